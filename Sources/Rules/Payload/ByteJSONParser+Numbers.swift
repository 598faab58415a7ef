extension ByteJSONParser {
    /// Parses a number at the current position (a `-` or a digit) to a finite Double.
    ///
    /// The grammar is checked byte by byte. Integers and short decimals (at most 19 significant
    /// digits whose value fits 2^53, decimal exponent within ±22) are converted exactly with one
    /// multiplication or division by an exact power of ten; everything else goes to the standard
    /// library's correctly rounded `Double(_:)`.
    mutating func parseNumber() throws(JSONError) -> Double {
        let start = position
        var negative = false
        if bytes[position] == ASCII.minus {
            negative = true
            position += 1
        }
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var fractionDigits = 0

        // Integer part: 0 | [1-9][0-9]*
        guard position < bytes.count else { throw endOfInput("a digit") }
        let firstDigit = bytes[position]
        if firstDigit == ASCII.zero {
            position += 1
            if position < bytes.count, isDigit(bytes[position]) {
                throw .syntax(offset: position, message: "leading zero in a number")
            }
        } else if isDigit(firstDigit) {
            _ = accumulateDigits(into: &mantissa, significantDigits: &significantDigits)
        } else {
            throw .syntax(offset: position, message: "expected a digit")
        }

        // Fraction: . [0-9]+
        if position < bytes.count, bytes[position] == ASCII.dot {
            position += 1
            guard position < bytes.count else { throw endOfInput("a digit after '.'") }
            guard isDigit(bytes[position]) else { throw .syntax(offset: position, message: "expected a digit after '.'") }
            fractionDigits = accumulateDigits(into: &mantissa, significantDigits: &significantDigits)
        }

        // Exponent: [eE] [+-]? [0-9]+
        var exponent = 0
        if position < bytes.count, bytes[position] | 0x20 == ASCII.e {
            position += 1
            var exponentNegative = false
            if position < bytes.count, bytes[position] == ASCII.plus || bytes[position] == ASCII.minus {
                exponentNegative = bytes[position] == ASCII.minus
                position += 1
            }
            guard position < bytes.count else { throw endOfInput("a digit in the exponent") }
            guard isDigit(bytes[position]) else { throw .syntax(offset: position, message: "expected a digit in the exponent") }
            while position < bytes.count, isDigit(bytes[position]) {
                // Saturate: any exponent this large already decides overflow or underflow.
                exponent = min(exponent * 10 + Int(bytes[position] - ASCII.zero), 1_000_000)
                position += 1
            }
            if exponentNegative { exponent = -exponent }
        }

        let decimalExponent = exponent - fractionDigits
        if significantDigits <= 19, mantissa <= 1 << 53, (-22...22).contains(decimalExponent) {
            var value = Double(mantissa)
            if decimalExponent < 0 {
                value /= ByteJSONParser.exactPowersOfTen[-decimalExponent]
            } else {
                value *= ByteJSONParser.exactPowersOfTen[decimalExponent]
            }
            if value.isFinite { return negative ? -value : value }
            throw .numberOutOfRange(offset: start)
        }
        return try parseNumberSlowly(from: start)
    }

    /// Reads a run of digits, folding them into `mantissa` while it can hold them exactly.
    /// Leading zeros are not significant; digits past the 19th only count (the slow path takes over).
    /// Returns how many digits were folded into `mantissa`.
    mutating func accumulateDigits(into mantissa: inout UInt64, significantDigits: inout Int) -> Int {
        var folded = 0
        while position < bytes.count {
            let byte = bytes[position]
            guard isDigit(byte) else { return folded }
            let digit = UInt64(byte - ASCII.zero)
            if mantissa != 0 || digit != 0 { significantDigits += 1 }
            if significantDigits <= 19 {
                mantissa = mantissa &* 10 &+ digit
                folded += 1
            }
            position += 1
        }
        return folded
    }

    /// Converts the already validated number text `bytes[start..<position]` with the standard library.
    func parseNumberSlowly(from start: Int) throws(JSONError) -> Double {
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw .numberOutOfRange(offset: start) }
        return value
    }

    /// Whether `byte` is an ASCII digit.
    @inline(__always)
    func isDigit(_ byte: UInt8) -> Bool { byte &- ASCII.zero < 10 }

    /// 10^0 … 10^22: every one is exactly representable as a Double.
    static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]
}
