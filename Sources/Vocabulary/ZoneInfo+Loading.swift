#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finding a zone by name: fixed offsets without a file, IANA names from the zoneinfo directory, once per process.
extension ZoneInfo {
    /// Where Debian's `tzdata` puts the TZif files; `TZDIR` overrides it, as in glibc.
    public static let defaultDirectory = "/usr/share/zoneinfo"

    /// The zoneinfo directory glibc would read: `TZDIR` when set and not empty, else `defaultDirectory`.
    public static func zoneDirectory(environment: [String: String]? = nil) -> String {
        let value: String? = if let environment { environment["TZDIR"] } else { getenv("TZDIR").map { String(cString: $0) } }
        guard let value, !value.isEmpty else { return defaultDirectory }
        return value
    }

    /// The zone called `name` (`Asia/Shanghai`, `UTC`, `GMT+8`), loaded once per name (and directory) per
    /// process and shared; a failed load is not remembered, so installing `tzdata` needs no restart.
    public static func named(_ name: String) throws(LoadError) -> ZoneInfo {
        let directory = zoneDirectory()
        let key = directory + "\u{0}" + name
        if let zone = cache.lock.withLock({ cache.zones[key] }) { return zone }
        let zone = try load(name, directory: directory)
        return cache.lock.withLock {
            if let earlier = cache.zones[key] { return earlier }
            cache.zones[key] = zone
            return zone
        }
    }

    /// Loads `name` without the cache: a fixed offset, or the TZif file `directory/name`.
    static func load(_ name: String, directory: String) throws(LoadError) -> ZoneInfo {
        if name == "Etc/UTC" { return ZoneInfo(identifier: name, fixedOffset: 0) }
        if let (identifier, offset) = fixedOffset(name) { return ZoneInfo(identifier: identifier, fixedOffset: offset) }
        guard isZoneName(name) else { throw .invalidName }
        let bytes = try readFile(directory + "/" + name)
        return try ZoneInfo(identifier: name, tzif: bytes)
    }

    /// Whether `name` can only be a path inside the zoneinfo directory: relative, no `..`, only the
    /// characters of IANA names (so a rule file cannot make the daemon read another file).
    static func isZoneName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 255, !name.hasPrefix("/"), !name.contains("..") else { return false }
        return name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "/"), UInt8(ascii: "_"), UInt8(ascii: "-"),
                 UInt8(ascii: "+"), UInt8(ascii: "."): true
            default: false
            }
        }
    }

    /// `UTC`, `GMT` and `GMT`/`UTC` with `±H`, `±HH`, `±HHMM`, `±H:MM` or `±HH:MM` (at most 18 hours), with the
    /// identifier ICU gave them (`GMT`, `GMT+0800`); nil for any other name.
    static func fixedOffset(_ name: String) -> (identifier: String, offset: Int32)? {
        let bytes = Array(name.utf8)
        guard bytes.count >= 3, name.hasPrefix("GMT") || name.hasPrefix("UTC") else { return nil }
        if bytes.count == 3 { return ("GMT", 0) }
        guard bytes[3] == UInt8(ascii: "+") || bytes[3] == UInt8(ascii: "-") else { return nil }
        let negative = bytes[3] == UInt8(ascii: "-")
        let rest = bytes[4...]
        guard !rest.isEmpty, rest.allSatisfy({ $0 == UInt8(ascii: ":") || (48...57).contains($0) }) else { return nil }
        let digits = rest.filter { $0 != UInt8(ascii: ":") }.map { Int($0) - 48 }
        let hours: Int
        let minutes: Int
        if let colon = rest.firstIndex(of: UInt8(ascii: ":")) {
            let before = colon - rest.startIndex
            guard (1...2).contains(before), rest.count - before - 1 == 2 else { return nil }
            hours = digits.prefix(before).reduce(0) { $0 * 10 + $1 }
            minutes = digits[before] * 10 + digits[before + 1]
        } else {
            switch digits.count {
            case 1, 2: (hours, minutes) = (digits.reduce(0) { $0 * 10 + $1 }, 0)
            case 4: (hours, minutes) = (digits[0] * 10 + digits[1], digits[2] * 10 + digits[3])
            default: return nil
            }
        }
        guard minutes < 60, hours * 60 + minutes <= 18 * 60 else { return nil }
        let total = hours * 3600 + minutes * 60
        guard total != 0 else { return ("GMT", 0) }
        let text = (hours < 10 ? "0" : "") + String(hours) + (minutes < 10 ? "0" : "") + String(minutes)
        return ("GMT" + (negative ? "-" : "+") + text, Int32(negative ? -total : total))
    }

    /// The bytes of a regular file of at most 1 MiB (a TZif file is a few kilobytes).
    static func readFile(_ path: String) throws(LoadError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw .unreadable(ErrnoError(operation: "cannot open \(path)")) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .unreadable(ErrnoError(operation: "cannot stat \(path)")) }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw .notTZif("not a regular file") }
        let limit = 1 << 20
        guard Int(status.st_size) <= limit else { throw .notTZif("larger than 1 MiB") }
        // One byte more than the size, to see a file that grew past the limit since `fstat`.
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size) + 1)
        var used = 0
        while used < bytes.count {
            let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + used, $0.count - used) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw .unreadable(ErrnoError(operation: "cannot read \(path)")) }
            if count == 0 { break }
            used += count
        }
        guard used <= limit else { throw .notTZif("larger than 1 MiB") }
        if used == bytes.count { throw .notTZif("changed while read") }
        return Array(bytes.prefix(used))
    }

    /// The zones loaded so far, by directory and name.
    fileprivate final class Cache: @unchecked Sendable {
        let lock = ThreadLock()
        var zones: [String: ZoneInfo] = [:]
    }

    fileprivate static let cache = Cache()
}
