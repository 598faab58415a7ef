#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IANA time zone (`Asia/Shanghai`, `Europe/Berlin`) read from the C library's zoneinfo files (Debian's
/// `tzdata`, `/usr/share/zoneinfo` or `$TZDIR`), or a fixed offset (`UTC`, `GMT+8`). What `TimeZone(identifier:)`
/// did for the rule windows, without FoundationInternationalization, ICU and its 34 MB data table (see
/// docs/packaging.md, "Sizes"). Immutable and shared: `named(_:)` loads a zone once per name per process.
public final class ZoneInfo: Sendable {
    /// The local civil time of an instant in a zone.
    public struct LocalTime: Sendable, Equatable {
        /// The proleptic Gregorian year.
        public var year: Int
        /// 1…12.
        public var month: Int
        /// 1…31.
        public var day: Int
        /// 0…23.
        public var hour: Int
        /// 0…59.
        public var minute: Int
        /// 0…59 (zoneinfo without leap seconds).
        public var second: Int
        /// 1 = Sunday … 7 = Saturday (the numbering of `Calendar` and of the rules' `days`).
        public var weekday: Int

        /// A civil time from its fields (for comparisons).
        public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, weekday: Int) {
            (self.year, self.month, self.day, self.hour, self.minute, self.second, self.weekday) =
                (year, month, day, hour, minute, second, weekday)
        }

        /// Minutes after local midnight (0…1439), what `during 22:00-06:00` compares.
        public var minuteOfDay: Int { hour * 60 + minute }
    }

    /// Why a zone could not be loaded (the rule checker reports all of them as an unknown time zone).
    public enum LoadError: Error, Sendable, Equatable {
        /// Not a zone name: empty, absolute, with `..` or characters no IANA name has.
        case invalidName
        /// No such file under the zoneinfo directory, or it could not be read.
        case unreadable(ErrnoError)
        /// The file is not a TZif file this reader understands (or not a regular file).
        case notTZif(String)
    }

    /// The name as Foundation's `TimeZone(identifier:)` reported it (`GMT` for `UTC`, `GMT+0800` for `UTC+8`,
    /// the IANA name as given otherwise): rule fingerprints hash it, so rule state carries over upgrades.
    public let identifier: String
    /// Transition instants (seconds since the epoch, ascending) and the type in force from each one.
    let transitions: [Int64]
    let transitionTypes: [UInt8]
    /// The local time types (UTC offset in seconds, whether daylight saving).
    let types: [(offset: Int32, isDST: Bool)]
    /// The type before the first transition (glibc's choice: the first standard type).
    let initialType: Int
    /// The TZif footer's rule, for instants after the last transition.
    let rule: PosixZoneRule?

    init(identifier: String, transitions: [Int64], transitionTypes: [UInt8], types: [(offset: Int32, isDST: Bool)],
         rule: PosixZoneRule?) {
        self.identifier = identifier
        self.transitions = transitions
        self.transitionTypes = transitionTypes
        self.types = types
        self.initialType = types.firstIndex { !$0.isDST } ?? 0
        self.rule = rule
    }

    /// A zone that is always `offset` seconds ahead of UTC.
    convenience init(identifier: String, fixedOffset offset: Int32) {
        self.init(identifier: identifier, transitions: [], transitionTypes: [], types: [(offset, false)], rule: nil)
    }

    /// UTC, the zone of a rule file without `timezone` (identifier `GMT`, as `TimeZone(identifier: "UTC")` had it).
    public static let utc = ZoneInfo(identifier: "GMT", fixedOffset: 0)
    /// The community's zone when a deployment names none (`[site] time_zone`): lookoutd and `lookout rules`
    /// read rule files without `timezone` in it alike.
    public static let siteDefaultName = "Asia/Shanghai"

    // MARK: Offsets and civil time

    /// Seconds ahead of UTC at `seconds` since the epoch.
    public func offset(atSecond seconds: Int64) -> Int {
        if let last = transitions.last, seconds >= last, let rule {
            return Int(rule.offset(at: seconds))
        }
        // The last transition at or before `seconds`.
        var low = 0
        var high = transitions.count
        while low < high {
            let middle = (low + high) / 2
            if transitions[middle] <= seconds { low = middle + 1 } else { high = middle }
        }
        let type = low == 0 ? initialType : Int(transitionTypes[low - 1])
        return Int(types[type].offset)
    }

    /// Seconds ahead of UTC at `millis`.
    public func offset(at millis: EpochMillis) -> Int {
        offset(atSecond: Self.floorSeconds(millis))
    }

    /// The local civil time at `millis`.
    public func localTime(at millis: EpochMillis) -> LocalTime {
        localTime(atSecond: Self.floorSeconds(millis))
    }

    /// The local civil time at `seconds` since the epoch.
    public func localTime(atSecond seconds: Int64) -> LocalTime {
        let local = seconds + Int64(offset(atSecond: seconds))
        let days = Self.floorDivide(local, 86_400)
        let secondOfDay = Int(local - days * 86_400)
        let (year, month, day) = Self.civilDate(daysSinceEpoch: days)
        // 1970-01-01 was a Thursday (weekday 5).
        let weekday = Int(((days + 4) % 7 + 7) % 7) + 1
        return LocalTime(year: year, month: month, day: day, hour: secondOfDay / 3600, minute: secondOfDay / 60 % 60,
                         second: secondOfDay % 60, weekday: weekday)
    }

    static func floorSeconds(_ millis: EpochMillis) -> Int64 { floorDivide(millis, 1000) }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }

    /// The proleptic Gregorian date of a day number (Howard Hinnant's `civil_from_days`).
    static func civilDate(daysSinceEpoch days: Int64) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = floorDivide(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (Int(yearOfEra + era * 400 + (month <= 2 ? 1 : 0)), Int(month), Int(day))
    }

    /// The day number (days since 1970-01-01) of a proleptic Gregorian date (`days_from_civil`).
    static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = floorDivide(shiftedYear, 400)
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func isLeapYear(_ year: Int64) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }
}
