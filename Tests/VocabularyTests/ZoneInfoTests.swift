#if canImport(Glibc)
import Glibc
#endif
import Testing
import Vocabulary

/// `ZoneInfo` against glibc: the same tzdata files, the same offsets and civil times from 1970 to 2100 (the
/// footer's POSIX rule after 2037), and names that must not reach a file outside the zoneinfo directory.
/// Serialized: the glibc side sets `TZ` (and one test `TZDIR`) for the process.
@Suite(.serialized) struct ZoneInfoTests {
    static let zones = ["Asia/Shanghai", "UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
                        "America/Sao_Paulo", "Asia/Kolkata", "Pacific/Chatham"]

    /// glibc's answer for one instant: `tm_gmtoff` and the civil time of `localtime_r`.
    struct Reference: Equatable {
        var offset: Int
        var local: ZoneInfo.LocalTime
    }

    /// Runs `body` with `name` set to `value` in the environment (`tzset` after), restoring it after.
    static func withEnvironment<T>(_ name: String, _ value: String, _ body: () throws -> T) rethrows -> T {
        let saved = getenv(name).map { String(cString: $0) }
        setenv(name, value, 1)
        tzset()
        defer {
            if let saved { setenv(name, saved, 1) } else { unsetenv(name) }
            tzset()
        }
        return try body()
    }

    static func glibc(_ seconds: Int64) -> Reference {
        var time = time_t(seconds)
        var parts = tm()
        localtime_r(&time, &parts)
        let local = ZoneInfo.LocalTime(year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday),
                                       hour: Int(parts.tm_hour), minute: Int(parts.tm_min), second: Int(parts.tm_sec),
                                       weekday: Int(parts.tm_wday) + 1)
        return Reference(offset: parts.tm_gmtoff, local: local)
    }

    /// Instants from 1970 to 2100 about every two days (at varying times of day), and around every change of
    /// offset glibc knows in that span: the second before, of and after it.
    static func instants() -> [Int64] {
        let end: Int64 = 4_133_980_800  // 2101-01-01
        var samples = Array(stride(from: Int64(0), to: end, by: 2 * 86_400 + 4_033))
        var changes: [Int64] = []
        for (before, after) in zip(samples, samples.dropFirst()) where glibc(before).offset != glibc(after).offset {
            // The first second with the new offset.
            var (low, high) = (before, after)
            while high - low > 1 {
                let middle = low + (high - low) / 2
                if glibc(middle).offset == glibc(before).offset { low = middle } else { high = middle }
            }
            changes += [high - 1, high, high + 1, high + 1800, high - 3600]
        }
        return (samples + changes).sorted()
    }

    @Test(arguments: zones) func offsetsAndCivilTimesMatchGlibc(_ name: String) throws {
        let (instants, expected) = Self.withEnvironment("TZ", ":" + name) {
            let instants = Self.instants()
            return (instants, instants.map(Self.glibc))
        }
        let zone = try ZoneInfo.named(name)
        var mismatches: [String] = []
        for (seconds, reference) in zip(instants, expected) {
            let mine = Reference(offset: zone.offset(atSecond: seconds), local: zone.localTime(atSecond: seconds))
            if mine != reference, mismatches.count < 5 { mismatches.append("\(seconds): \(mine) != glibc \(reference)") }
        }
        #expect(mismatches == [])
        #expect(zone.offset(at: instants[1] * 1000 + 999) == expected[1].offset)
        // Zones with daylight saving time change twice a year after 2037 too, from the footer rule (Lord Howe:
        // by 30 minutes), so the comparison covered it.
        let after2037 = zip(instants, expected).filter { $0.0 >= 2_145_916_800 }.map(\.1.offset)
        let changesAfter2037 = zip(after2037, after2037.dropFirst()).filter { $0 != $1 }.count
        if ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham"].contains(name) {
            #expect(changesAfter2037 >= 2 * 63)
        }
    }

    @Test func footerRuleGivesDaylightTimeIn2040() throws {
        // 2040-03-11 is the second Sunday in March: New York springs forward at 07:00 UTC.
        let newYork = try ZoneInfo.named("America/New_York")
        #expect(newYork.offset(atSecond: 2_215_062_000 - 1) == -5 * 3600)
        #expect(newYork.offset(atSecond: 2_215_062_000) == -4 * 3600)
        // Berlin, 2040-07-01 12:00 UTC: CEST, 14:00 local, a Sunday.
        let berlin = try ZoneInfo.named("Europe/Berlin")
        #expect(berlin.localTime(atSecond: 2_224_756_800) == ZoneInfo.LocalTime(
            year: 2040, month: 7, day: 1, hour: 14, minute: 0, second: 0, weekday: 1))
        #expect(berlin.offset(atSecond: 2_208_988_800) == 3600)  // 2040-01-01
    }

    @Test func fixedOffsetsNeedNoFileAndKeepFoundationsIdentifiers() throws {
        // The identifiers ICU's TimeZone(identifier:) reported, which rule fingerprints hash.
        let cases: [(String, String, Int)] = [("UTC", "GMT", 0), ("GMT", "GMT", 0), ("Etc/UTC", "Etc/UTC", 0),
                                              ("GMT+8", "GMT+0800", 28_800), ("UTC+08:00", "GMT+0800", 28_800),
                                              ("GMT-0530", "GMT-0530", -19_800), ("GMT+8:30", "GMT+0830", 30_600),
                                              ("UTC+0", "GMT", 0)]
        try Self.withEnvironment("TZDIR", "/nonexistent") {
            for (name, identifier, offset) in cases {
                let zone = try ZoneInfo.named(name)
                #expect(zone.identifier == identifier)
                #expect(zone.offset(atSecond: 1_800_000_000) == offset)
            }
        }
        #expect(ZoneInfo.utc.identifier == "GMT")
        #expect(try ZoneInfo.named("Asia/Shanghai").identifier == "Asia/Shanghai")
    }

    @Test func namesThatLeaveTheZoneDirectoryAreRejected() {
        for name in ["../etc/passwd", "/etc/passwd", "Asia/../../etc/passwd", "..", "", "Asia/Shang hai", "GMT+19"] {
            #expect(throws: ZoneInfo.LoadError.self, "\(name)") { try ZoneInfo.named(name) }
        }
        #expect(throws: ZoneInfo.LoadError.invalidName) { try ZoneInfo.named("../etc/passwd") }
        #expect(throws: ZoneInfo.LoadError.invalidName) { try ZoneInfo.named("/etc/passwd") }
    }

    @Test func filesThatAreNotTZifAreRejectedAndTZDIRIsHonoured() throws {
        let directory = "/tmp/lookout-zoneinfo-\(getpid())"
        mkdir(directory, 0o755)
        mkdir(directory + "/Fake", 0o755)
        defer {
            for file in ["Fake/Text", "Fake/Truncated", "Fake/Berlin"] { unlink(directory + "/" + file) }
            rmdir(directory + "/Fake")
            rmdir(directory)
        }
        let berlin = try Self.contents("/usr/share/zoneinfo/Europe/Berlin")
        try Self.write(Array("not a zone\n".utf8), to: directory + "/Fake/Text")
        try Self.write(Array(berlin.prefix(60)), to: directory + "/Fake/Truncated")
        try Self.write(berlin, to: directory + "/Fake/Berlin")
        try Self.withEnvironment("TZDIR", directory) {
            #expect(ZoneInfo.zoneDirectory() == directory)
            #expect(throws: ZoneInfo.LoadError.notTZif("no TZif magic")) { try ZoneInfo.named("Fake/Text") }
            #expect(throws: ZoneInfo.LoadError.notTZif("truncated")) { try ZoneInfo.named("Fake/Truncated") }
            #expect(throws: ZoneInfo.LoadError.notTZif("not a regular file")) { try ZoneInfo.named("Fake") }
            let copy = try ZoneInfo.named("Fake/Berlin")
            #expect(copy.offset(atSecond: 2_224_756_800) == 7200)
            // Read from TZDIR, not the default directory.
            #expect(throws: ZoneInfo.LoadError.self) { try ZoneInfo.named("Asia/Kolkata") }
        }
        #expect(ZoneInfo.zoneDirectory(environment: ["TZDIR": ""]) == "/usr/share/zoneinfo")
    }

    @Test func aZoneIsLoadedOncePerName() async throws {
        let first = try ZoneInfo.named("Pacific/Chatham")
        let others = try await withThrowingTaskGroup(of: ZoneInfo.self) { group in
            for _ in 0..<8 { group.addTask { try ZoneInfo.named("Pacific/Chatham") } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(others.allSatisfy { $0 === first })
    }

    static func contents(_ path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw ErrnoError(operation: "cannot open \(path)") }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            guard count > 0 else { break }
            bytes += buffer.prefix(count)
        }
        return bytes
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw ErrnoError(operation: "cannot create \(path)") }
        defer { close(descriptor) }
        _ = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
    }
}
