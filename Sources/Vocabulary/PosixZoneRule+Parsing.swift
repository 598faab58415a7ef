/// Reading the rule from its text: `std offset [dst [offset] [,start[/time],end[/time]]]` (POSIX, with RFC 8536's
/// extensions: `<+0530>` names, change times from -167 to 167 hours).
extension PosixZoneRule {
    /// The rule written as `text`; nil when it is not a POSIX TZ rule.
    init?(parsing text: String) {
        var scanner = Scanner(bytes: Array(text.utf8))
        guard scanner.skipName(), let standard = scanner.offset(maxHours: 24) else { return nil }
        // POSIX offsets count hours west of Greenwich; TZif offsets count seconds east.
        standardOffset = Int32(-standard)
        guard !scanner.atEnd else { daylight = nil; return }
        guard scanner.skipName() else { return nil }
        var daylightOffset = standardOffset + 3600
        if !scanner.atEnd, scanner.peek != UInt8(ascii: ",") {
            guard let written = scanner.offset(maxHours: 24) else { return nil }
            daylightOffset = Int32(-written)
        }
        let start: Change
        let end: Change
        if scanner.atEnd {
            // glibc's default when no rule is given: the United States' rule.
            start = Change(day: .monthWeekDay(month: 3, week: 2, weekday: 0), time: 7200)
            end = Change(day: .monthWeekDay(month: 11, week: 1, weekday: 0), time: 7200)
        } else {
            guard scanner.take(UInt8(ascii: ",")), let first = scanner.change(), scanner.take(UInt8(ascii: ",")),
                  let second = scanner.change(), scanner.atEnd else { return nil }
            (start, end) = (first, second)
        }
        daylight = Daylight(offset: daylightOffset, start: start, end: end)
    }

    /// A cursor over the rule's bytes.
    private struct Scanner {
        let bytes: [UInt8]
        var position = 0

        var atEnd: Bool { position >= bytes.count }
        var peek: UInt8? { atEnd ? nil : bytes[position] }

        mutating func take(_ byte: UInt8) -> Bool {
            guard peek == byte else { return false }
            position += 1
            return true
        }

        /// A zone abbreviation: three or more letters, or `<…>` with letters, digits, `+` and `-`.
        mutating func skipName() -> Bool {
            let start = position
            if take(UInt8(ascii: "<")) {
                while let byte = peek, byte != UInt8(ascii: ">") {
                    guard Self.isLetter(byte) || Self.isDigit(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
                    else { return false }
                    position += 1
                }
                guard take(UInt8(ascii: ">")) else { return false }
                return position - start - 2 >= 3
            }
            while let byte = peek, Self.isLetter(byte) { position += 1 }
            return position - start >= 3
        }

        /// `[+-]hh[:mm[:ss]]` in seconds, hours at most `maxHours`.
        mutating func offset(maxHours: Int64) -> Int64? {
            var sign: Int64 = 1
            if take(UInt8(ascii: "-")) { sign = -1 } else { _ = take(UInt8(ascii: "+")) }
            guard let hours = number(maxDigits: 3), hours <= maxHours else { return nil }
            var seconds = hours * 3600
            if take(UInt8(ascii: ":")) {
                guard let minutes = number(maxDigits: 2), minutes < 60 else { return nil }
                seconds += minutes * 60
                if take(UInt8(ascii: ":")) {
                    guard let secs = number(maxDigits: 2), secs < 60 else { return nil }
                    seconds += secs
                }
            }
            return sign * seconds
        }

        /// `Jn`, `n` or `Mm.w.d`, then an optional `/time` (02:00 when absent).
        mutating func change() -> Change? {
            let day: Day
            if take(UInt8(ascii: "J")) {
                guard let n = number(maxDigits: 3), (1...365).contains(n) else { return nil }
                day = .julian(Int(n))
            } else if take(UInt8(ascii: "M")) {
                guard let month = number(maxDigits: 2), (1...12).contains(month), take(UInt8(ascii: ".")),
                      let week = number(maxDigits: 1), (1...5).contains(week), take(UInt8(ascii: ".")),
                      let weekday = number(maxDigits: 1), (0...6).contains(weekday) else { return nil }
                day = .monthWeekDay(month: Int(month), week: Int(week), weekday: Int(weekday))
            } else {
                guard let n = number(maxDigits: 3), (0...365).contains(n) else { return nil }
                day = .zeroBased(Int(n))
            }
            var time: Int64 = 7200
            if take(UInt8(ascii: "/")) {
                guard let written = offset(maxHours: 167) else { return nil }
                time = written
            }
            return Change(day: day, time: time)
        }

        /// One to `maxDigits` decimal digits.
        mutating func number(maxDigits: Int) -> Int64? {
            var value: Int64 = 0
            var digits = 0
            while let byte = peek, Self.isDigit(byte), digits < maxDigits {
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
                digits += 1
                position += 1
            }
            return digits == 0 ? nil : value
        }

        static func isLetter(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
        }

        static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
    }
}
