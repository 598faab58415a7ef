#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Calendar dates and wall-clock times of the C library (`gmtime_r`, `localtime_r`, `strftime`, `timegm`,
/// `mktime`): the local time zone is the system's (`TZ`, `/etc/localtime`), as `TimeZone.current` was.
/// What `DateFormatter` did for Lookout's fixed numeric patterns, without linking all of Foundation and ICU
/// (see docs/packaging.md, "Sizes").
public enum CivilTime {
    /// `millis` formatted by `strftime` (`%Y-%m-%d %H:%M:%S`), in UTC or local time; fractions of a second
    /// are dropped (rounded down, also before 1970).
    public static func format(_ millis: EpochMillis, _ pattern: String, utc: Bool) -> String {
        var seconds = time_t(millis >= 0 ? millis / 1000 : (millis - 999) / 1000)
        var parts = tm()
        if utc { gmtime_r(&seconds, &parts) } else { localtime_r(&seconds, &parts) }
        var buffer = [CChar](repeating: 0, count: 128)
        let length = strftime(&buffer, buffer.count, pattern, &parts)
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The time of a calendar date and wall-clock time, in UTC or local time; nil when the date does not
    /// exist (month 13, 31 April, 25:00, ...) or the local time is skipped by a clock change.
    public static func epochMillis(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0,
                                   utc: Bool) -> EpochMillis? {
        guard (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute),
              (0...59).contains(second), year > -100_000, year < 100_000 else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        parts.tm_isdst = -1
        let seconds = utc ? timegm(&parts) : mktime(&parts)
        // Normalised fields that differ mean the date or time does not exist.
        guard parts.tm_year == Int32(year - 1900), parts.tm_mon == Int32(month - 1), parts.tm_mday == Int32(day),
              parts.tm_hour == Int32(hour), parts.tm_min == Int32(minute), parts.tm_sec == Int32(second) else { return nil }
        return EpochMillis(seconds) * 1000
    }
}
