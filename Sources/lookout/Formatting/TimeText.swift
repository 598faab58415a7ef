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

    /// A point in time, as `journalctl --since` takes it: `now`, `today`, `yesterday`, `tomorrow` (local midnight),
    /// a duration ago (`2h`, `-2h`, `2h ago`) or ahead (`+2h`), a local time today (`06:00`, `06:00:30`), a local
    /// date-time (`2026-11-23T08:00`, `2026-11-23 08:00:30`, `2026-11-23`), an ISO 8601 time with zone
    /// (`2026-11-23T00:00:00Z`), or seconds since 1970 (`@1763870400`). Nil when malformed. Local means the
    /// community's zone (`SiteZone`), not the terminal's.
    static func pointInTime(_ text: String, now: EpochMillis) -> EpochMillis? {
        let text = text.trimmingWhitespace()
        if let seconds = seconds(text) { return now - seconds * 1000 }
        if let named = namedDay(text, now: now) { return named }
        if text.hasPrefix("-") || text.hasPrefix("+"), let seconds = seconds(String(text.dropFirst())) {
            return text.hasPrefix("-") ? now - seconds * 1000 : now + seconds * 1000
        }
        if text.hasSuffix(" ago"), let seconds = seconds(String(text.dropLast(4)).trimmingWhitespace()) {
            return now - seconds * 1000
        }
        if text.hasPrefix("@"), let epoch = Int64(text.dropFirst()), epoch >= 0, epoch < 100_000_000_000 { return epoch * 1000 }
        if let clock = numbers(Substring(text), separator: ":"), (2...3).contains(clock.count),
           text.split(separator: ":").allSatisfy({ $0.count == 2 }) {
            SiteZone.shared.prepareForLocalTime()
            return date(CivilTime.format(now, "%Y-%m-%d", utc: false) + " " + text)
        }
        return date(text)
    }

    /// `now`, or the local midnight that starts `today`, `yesterday` or `tomorrow`; nil for other words.
    private static func namedDay(_ text: String, now: EpochMillis) -> EpochMillis? {
        let offset: Int64
        switch text.lowercased() {
        case "now": return now
        case "today": offset = 0
        case "yesterday": offset = -1
        case "tomorrow": offset = 1
        default: return nil
        }
        SiteZone.shared.prepareForLocalTime()
        // Noon of the day wanted, then its date: a day of 23 or 25 hours (a clock change) cannot skip or repeat one.
        let noon = date(CivilTime.format(now, "%Y-%m-%d", utc: false) + " 12:00").map { $0 + offset * 86_400_000 }
        return noon.flatMap { date(CivilTime.format($0, "%Y-%m-%d", utc: false)) }
    }

    /// The local month `2026-11` as the period from its first midnight to the next month's; nil when malformed.
    static func month(_ text: String) -> (since: EpochMillis, until: EpochMillis)? {
        guard let parts = numbers(Substring(text), separator: "-"), parts.count == 2, parts[0] >= 1970,
              (1...12).contains(parts[1]) else { return nil }
        SiteZone.shared.prepareForLocalTime()
        let next = parts[1] == 12 ? (parts[0] + 1, 1) : (parts[0], parts[1] + 1)
        guard let since = CivilTime.epochMillis(year: parts[0], month: parts[1], day: 1, utc: false),
              let until = CivilTime.epochMillis(year: next.0, month: next.1, day: 1, utc: false) else { return nil }
        return (since, until)
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
        SiteZone.shared.prepareForLocalTime()
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

    /// The community's wall-clock time: `2026-11-23 08:00:12`, with the offset (`+08`) when the terminal's zone differs.
    static func local(_ millis: EpochMillis) -> String {
        CivilTime.format(millis, "%Y-%m-%d %H:%M:%S", utc: false) + SiteZone.shared.marker(at: millis)
    }

    /// The community's time of day: `08:00:12`, with the offset (`+08`) when the terminal's zone differs.
    static func clock(_ millis: EpochMillis) -> String {
        CivilTime.format(millis, "%H:%M:%S", utc: false) + SiteZone.shared.marker(at: millis)
    }

    /// UTC ISO 8601 for JSON: `2026-11-23T00:00:12Z`.
    static func iso(_ millis: EpochMillis) -> String { CivilTime.format(millis, "%Y-%m-%dT%H:%M:%SZ", utc: true) }
}
