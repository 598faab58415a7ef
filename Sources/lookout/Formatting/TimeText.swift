import EventCore
import Foundation
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
    static func pointInTime(_ text: String, now: EpochMillis, timeZone: TimeZone = .current) -> EpochMillis? {
        if let seconds = seconds(text) { return now - seconds * 1000 }
        return date(text, timeZone: timeZone)
    }

    /// A point in the future: a duration from now (`2h`) or an absolute time as in `pointInTime`.
    static func futureTime(_ text: String, now: EpochMillis, timeZone: TimeZone = .current) -> EpochMillis? {
        if let seconds = seconds(text) { return now + seconds * 1000 }
        return date(text, timeZone: timeZone)
    }

    /// An absolute time (see `pointInTime`).
    static func date(_ text: String, timeZone: TimeZone) -> EpochMillis? {
        let withZone = ISO8601DateFormatter()
        if let date = withZone.date(from: text) { return EpochMillis(date.timeIntervalSince1970 * 1000) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        for format in ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return EpochMillis(date.timeIntervalSince1970 * 1000) }
        }
        return nil
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
    static func local(_ millis: EpochMillis, timeZone: TimeZone = .current) -> String {
        format(millis, "yyyy-MM-dd HH:mm:ss", timeZone: timeZone)
    }

    /// Local time of day: `08:00:12`.
    static func clock(_ millis: EpochMillis, timeZone: TimeZone = .current) -> String {
        format(millis, "HH:mm:ss", timeZone: timeZone)
    }

    /// UTC ISO 8601 for JSON: `2026-11-23T00:00:12Z`.
    static func iso(_ millis: EpochMillis) -> String {
        format(millis, "yyyy-MM-dd'T'HH:mm:ss'Z'", timeZone: TimeZone(identifier: "UTC") ?? .current)
    }

    private static func format(_ millis: EpochMillis, _ pattern: String, timeZone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = pattern
        return formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
    }
}
