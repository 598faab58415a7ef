import FoundationEssentials
import Glibc
import TerminalText
import Vocabulary

/// Where and as whom `lookout` reaches lookoutd over the broker (the staff API for staff on other machines): the
/// file `lookout login` writes, mode 0600 since it holds the broker password. When it exists (and no `--socket` or
/// `LOOKOUT_SOCKET` names the local door), every command goes through the broker.
struct RemoteSettings: Sendable, Equatable {
    /// Broker host.
    var host: String
    /// Broker port.
    var port: Int
    /// The broker user: the one lookoutd acts as (the broker's ACL proves it).
    var username: String
    /// The broker password.
    var password: String
    /// CA file (PEM) to verify the broker's TLS certificate; nil for plain TCP (loopback only, please).
    var caFile: String?

    /// The settings file: `$LOOKOUT_REMOTE_CONFIG`, else `$XDG_CONFIG_HOME/lookout/remote.conf`, else
    /// `~/.config/lookout/remote.conf`; nil without a home.
    static func path(environment: [String: String]) -> String? {
        if let path = environment["LOOKOUT_REMOTE_CONFIG"], !path.isEmpty { return path }
        if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty { return config + "/lookout/remote.conf" }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return home + "/.config/lookout/remote.conf"
    }

    /// The settings at `path`, nil when there is no file; throws a one-line reason for a broken one.
    static func load(path: String) throws(RemoteSettingsError) -> RemoteSettings? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        var values: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let text = String(line).trimmingWhitespace()
            guard !text.isEmpty, !text.hasPrefix("#") else { continue }
            guard let equals = text.firstIndex(of: "=") else { throw RemoteSettingsError(tr("%1$s: '%2$s' is not key = value", path, TextSanitizer.sanitize(text))) }
            values[String(text[..<equals]).trimmingWhitespace()] = String(text[text.index(after: equals)...]).trimmingWhitespace()
        }
        guard let host = values["host"], !host.isEmpty, let username = values["username"], !username.isEmpty,
              let password = values["password"], let port = Int(values["port"] ?? "1883"), (1...65_535).contains(port) else {
            throw RemoteSettingsError(tr("%1$s needs host, port, username and password (write it with 'lookout login')", path))
        }
        let caFile = values["tls_ca_file"].flatMap { $0.isEmpty ? nil : $0 }
        return RemoteSettings(host: host, port: port, username: username, password: password, caFile: caFile)
    }

    /// Writes the settings to `path` with mode 0600 (its directory 0700 when created), replacing any earlier file.
    func write(to path: String) throws(RemoteSettingsError) {
        let directory = PathText.directory(of: path)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw RemoteSettingsError(tr("cannot create %1$s: %2$s", directory, "\(error)"))
        }
        var text = "# Written by 'lookout login': the broker account through which lookout reaches lookoutd.\n"
        text += "host = \(host)\nport = \(port)\nusername = \(username)\npassword = \(password)\n"
        if let caFile { text += "tls_ca_file = \(caFile)\n" }
        let temporary = path + ".new"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw RemoteSettingsError(tr("cannot write %1$s: %2$s", temporary, "\(ErrnoError(operation: "open"))")) }
        // The mode is set exactly, whatever the umask or an earlier file's mode.
        _ = fchmod(descriptor, 0o600)
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == bytes.count, synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw RemoteSettingsError(tr("cannot write %1$s: %2$s", path, "\(ErrnoError(operation: "write"))"))
        }
    }
}

/// A settings file that cannot be read or written, in one line.
struct RemoteSettingsError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
