/// A POSIX `TZ` rule such as `CET-1CEST,M3.5.0,M10.5.0/3`: the footer of a TZif file, which gives the offsets
/// after the file's last transition (TZif files list transitions until 2037; glibc and ICU continue with this).
struct PosixZoneRule: Sendable, Equatable {
    /// The day a change happens on.
    enum Day: Sendable, Equatable {
        /// `Jn`: day 1…365, 29 February never counted.
        case julian(Int)
        /// `n`: day 0…365 counting 29 February.
        case zeroBased(Int)
        /// `Mm.w.d`: weekday `d` (0 = Sunday) of week `w` (1…5, 5 = the last) of month `m`.
        case monthWeekDay(month: Int, week: Int, weekday: Int)
    }

    /// A change between standard and daylight time: a day and a local time (seconds, may be negative or past 24h).
    struct Change: Sendable, Equatable {
        var day: Day
        var time: Int64
    }

    /// Daylight saving time: its offset and when it starts and ends (in the local time in force before each).
    struct Daylight: Sendable, Equatable {
        var offset: Int32
        var start: Change
        var end: Change
    }

    /// Seconds ahead of UTC in standard time.
    var standardOffset: Int32
    /// Nil when the zone keeps standard time all year.
    var daylight: Daylight?

    /// Seconds ahead of UTC at `seconds` since the epoch. As glibc, the changes are those of the instant's UTC year.
    func offset(at seconds: Int64) -> Int32 {
        guard let daylight else { return standardOffset }
        let year = Int64(ZoneInfo.civilDate(daysSinceEpoch: ZoneInfo.floorDivide(seconds, 86_400)).year)
        let start = Self.instant(of: daylight.start, in: year, offsetBefore: standardOffset)
        let end = Self.instant(of: daylight.end, in: year, offsetBefore: daylight.offset)
        let isDaylight = start > end ? (seconds < end || seconds >= start) : (seconds >= start && seconds < end)
        return isDaylight ? daylight.offset : standardOffset
    }

    /// The instant of `change` in `year`, whose local time is `offsetBefore` seconds ahead of UTC.
    static func instant(of change: Change, in year: Int64, offsetBefore: Int32) -> Int64 {
        let january1 = ZoneInfo.daysSinceEpoch(year: year, month: 1, day: 1)
        let day: Int64
        switch change.day {
        case .julian(let n):
            day = january1 + Int64(n - 1) + (ZoneInfo.isLeapYear(year) && n >= 60 ? 1 : 0)
        case .zeroBased(let n):
            day = january1 + Int64(n)
        case .monthWeekDay(let month, let week, let weekday):
            let first = ZoneInfo.daysSinceEpoch(year: year, month: Int64(month), day: 1)
            let next = month == 12 ? ZoneInfo.daysSinceEpoch(year: year + 1, month: 1, day: 1)
                : ZoneInfo.daysSinceEpoch(year: year, month: Int64(month + 1), day: 1)
            let firstWeekday = ((first + 4) % 7 + 7) % 7
            var candidate = first + (Int64(weekday) - firstWeekday + 7) % 7 + Int64(week - 1) * 7
            while candidate >= next { candidate -= 7 }
            day = candidate
        }
        return day * 86_400 + change.time - Int64(offsetBefore)
    }
}
