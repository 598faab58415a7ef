#if canImport(Glibc)
import Glibc
#endif

extension PathText {
    /// `NSString.standardizingPath`: a leading `~` expanded (`HOME`), repeated and trailing slashes dropped, `.`
    /// dropped, and in an absolute path `..` taken back and every symbolic link of an existing part resolved
    /// (`/var/run/x` is `/run/x`, as Foundation gave it). A relative path keeps its `..` and is not resolved.
    public static func standardized(_ path: String) -> String {
        var path = path
        if path == "~" || path.hasPrefix("~/"), let home = homeDirectory() { path = home + path.dropFirst() }
        guard path.hasPrefix("/") else { return lexical(path) }
        return resolved(path, depth: 0)
    }

    /// An absolute path with `.` and `..` taken away and symbolic links followed (at most 40 deep, as the kernel).
    private static func resolved(_ path: String, depth: Int) -> String {
        var result = "/"
        for component in path.split(separator: "/") {
            switch component {
            case ".": continue
            case "..": result = directory(of: result)
            default:
                let next = join(result, String(component))
                if depth < 40, let target = linkTarget(next) {
                    result = resolved(target.hasPrefix("/") ? target : join(result, target), depth: depth + 1)
                } else {
                    result = next
                }
            }
        }
        return result
    }

    /// A relative path without repeated slashes and `.` parts (a leading `./` stays, as Foundation kept it).
    private static func lexical(_ path: String) -> String {
        let parts = path.split(separator: "/")
        guard !parts.isEmpty else { return path }
        let kept = parts.enumerated().filter { $0.offset == 0 || $0.element != "." }.map { String($0.element) }
        return kept.joined(separator: "/")
    }

    /// What the symbolic link at `path` points to; nil when it is not one.
    private static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `$HOME`, else the user's home from the password database.
    private static func homeDirectory() -> String? {
        if let home = getenv("HOME"), home.pointee != 0 { return String(cString: home) }
        guard let entry = getpwuid(getuid()), let directory = entry.pointee.pw_dir else { return nil }
        return String(cString: directory)
    }
}
