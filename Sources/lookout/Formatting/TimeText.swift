import EventCore
import FoundationEssentials
import Vocabulary

/// Durations and times as staff type and read them: `90s`, `15m`, `2h`, `7d`, `2026-11-23T08:00`.
enum TimeText {
    /// Parses a duration like `30s`, `15m`, `2h`, `7d`, `1w`, `1h30m` into seconds; nil when malformed.
    static func seconds(_ text: String) -> Int64? {
        var total: Int64 = 0
        var digits = ""
        var sawUnit = false
        for character in text.lowercased() {
            if character.isASCII, character.isNumber {
                digits.append(character)
                continue
            }
            guard let value = Int64(digits), let unit = unitSeconds[character] else { return nil }
            let (product, overflow1) = value.multipliedReportingOverflow(by: unit)
            let (sum, overflow2) = total.addingReportingOverflow(product)
            guard !overflow1, !overflow2 else { return nil }
            total = sum
            digits = ""
            sawUnit = true
        }
        guard digits.isEmpty, sawUnit else { return nil }
        return total
    }

    private static let unitSeconds: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800]

    /// A point in time: a duration ago (`2h`), or a local date-time (`2026-11-23T08:00`, `2026-11-23 08:00:30`,
    /// `2026-11-23`), or an ISO 8601 time with zone (`2026-11-23T00:00:00Z`). Nil when malformed.
    static func pointInTime(_ text: String, now: EpochMillis) -> EpochMillis? {
        if let seconds = seconds(text) { return now - seconds * 1000 }
        return date(text)
    }

    /// A point in the future: a duration from now (`2h`) or an absolute time as in `pointInTime`.
    static func futureTime(_ text: String, now: EpochMillis) -> EpochMillis? {
        if let seconds = seconds(text) { return now + seconds * 1000 }
        return date(text)
    }

    /// An absolute time (see `pointInTime`): ISO 8601 with a zone, or a local `yyyy-MM-dd`, `yyyy-MM-dd HH:mm`,
    /// `yyyy-MM-dd HH:mm:ss` (`T` or one space between date and time).
    static func date(_ text: String) -> EpochMillis? {
        if let date = try? Date(text, strategy: .iso8601) { return EpochMillis(date.timeIntervalSince1970 * 1000) }
        let halves = text.split(separator: "T", maxSplits: 1, omittingEmptySubsequences: false)
        let parts = halves.count == 2 ? halves : text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
        guard let day = numbers(parts[0], separator: "-"), day.count == 3 else { return nil }
        var time = [0, 0, 0]
        if parts.count == 2 {
            guard let clock = numbers(parts[1], separator: ":"), (2...3).contains(clock.count) else { return nil }
            time.replaceSubrange(0..<clock.count, with: clock)
        }
        return CivilTime.epochMillis(year: day[0], month: day[1], day: day[2], hour: time[0], minute: time[1],
                                     second: time[2], utc: false)
    }

    /// `text`'s decimal numbers between `separator`s; nil unless every field is 1 to 4 ASCII digits.
    private static func numbers(_ text: Substring, separator: Character) -> [Int]? {
        var result: [Int] = []
        for field in text.split(separator: separator, omittingEmptySubsequences: false) {
            guard (1...4).contains(field.count), field.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(field) else { return nil }
            result.append(value)
        }
        return result
    }

    /// A span for a table: `45s`, `12m`, `3h05m`, `2d04h`.
    static func span(milliseconds: Int64) -> String {
        let seconds = max(0, milliseconds / 1000)
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m" + (seconds < 600 && seconds % 60 != 0 ? two(seconds % 60) + "s" : "") }
        if seconds < 86400 { return "\(seconds / 3600)h" + two(seconds % 3600 / 60) + "m" }
        return "\(seconds / 86400)d" + two(seconds % 86400 / 3600) + "h"
    }

    private static func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// Local wall-clock time: `2026-11-23 08:00:12`.
    static func local(_ millis: EpochMillis) -> String { CivilTime.format(millis, "%Y-%m-%d %H:%M:%S", utc: false) }

    /// Local time of day: `08:00:12`.
    static func clock(_ millis: EpochMillis) -> String { CivilTime.format(millis, "%H:%M:%S", utc: false) }

    /// UTC ISO 8601 for JSON: `2026-11-23T00:00:12Z`.
    static func iso(_ millis: EpochMillis) -> String { CivilTime.format(millis, "%Y-%m-%dT%H:%M:%SZ", utc: true) }
}
