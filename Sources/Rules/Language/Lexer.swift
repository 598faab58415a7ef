/// Splits rule text into tokens. Never fails: unreadable input becomes `.invalid` tokens plus diagnostics.
struct Lexer {
    private let file: String
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var column = 1
    private var lineHasToken = false
    /// Problems found while reading.
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String, text: String) {
        self.file = file
        self.scalars = Array(text.unicodeScalars)
    }

    /// Reads every token; the last one is `.end`.
    mutating func tokenize() -> [Token] {
        var tokens: [Token] = []
        while true {
            let token = next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private var location: SourceLocation { SourceLocation(line: line, column: column) }
    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }
    private mutating func advance() {
        guard index < scalars.count else { return }
        if scalars[index] == "\n" {
            line += 1
            column = 1
            lineHasToken = false
        } else {
            column += 1
        }
        index += 1
    }

    private mutating func skipSpaceAndComments() {
        while let c = peek() {
            if c == "#" {
                while let d = peek(), d != "\n" { advance() }
            } else if c == " " || c == "\t" || c == "\r" || c == "\n" {
                advance()
            } else {
                return
            }
        }
    }

    private mutating func next() -> Token {
        skipSpaceAndComments()
        let start = location
        let startsLine = !lineHasToken
        lineHasToken = true
        func make(_ kind: Token.Kind) -> Token {
            Token(kind: kind, range: SourceRange(file: file, start: start, end: location), startsLine: startsLine)
        }
        guard let c = peek() else { return make(.end) }
        if c.properties.isAlphabetic || c == "_" {
            var name = ""
            while let d = peek(), d.properties.isAlphabetic || d == "_" || ("0"..."9").contains(d) {
                name.unicodeScalars.append(d)
                advance()
            }
            return make(.identifier(name))
        }
        if ("0"..."9").contains(c) { return make(readNumber(start: start)) }
        if c == "\"" { return make(readString(start: start)) }
        let twoChar: Set<String> = ["==", "!=", "<=", ">="]
        if let d = peek(1) {
            let pair = String(Character(c)) + String(Character(d))
            if twoChar.contains(pair) {
                advance(); advance()
                return make(.symbol(pair))
            }
        }
        let single: Set<Unicode.Scalar> = ["{", "}", "(", ")", "[", "]", ",", ".", "<", ">", "+", "-", "*", "/", "!", "="]
        advance()
        if single.contains(c) { return make(.symbol(String(Character(c)))) }
        diagnose("unexpected character '\(Self.printable(c))'", from: start, .unexpectedCharacter, [Self.printable(c)])
        return make(.invalid)
    }

    private mutating func readDigits() -> String {
        var digits = ""
        while let d = peek(), ("0"..."9").contains(d) {
            digits.unicodeScalars.append(d)
            advance()
        }
        return digits
    }

    private mutating func readNumber(start: SourceLocation) -> Token.Kind {
        var text = readDigits()
        if peek() == ":", let d = peek(1), ("0"..."9").contains(d) {
            advance()
            let minutes = readDigits()
            guard let h = Int(text), let m = Int(minutes), h <= 24, m < 60, minutes.count == 2, h * 60 + m <= 24 * 60 else {
                diagnose("bad time of day '\(text):\(minutes)' (expected HH:MM, 00:00 to 24:00)", from: start, .badTimeOfDay, ["\(text):\(minutes)"])
                return .invalid
            }
            return .timeOfDay(h * 60 + m)
        }
        if peek() == ".", let d = peek(1), ("0"..."9").contains(d) {
            advance()
            text += "." + readDigits()
        }
        var unit = ""
        while let d = peek(), d.properties.isAlphabetic || d == "_" {
            unit.unicodeScalars.append(d)
            advance()
        }
        guard let value = Double(text) else {
            diagnose("bad number '\(text)'", from: start, .badNumber, [text])
            return .invalid
        }
        if unit.isEmpty { return .number(value) }
        if unit == "x" { return .multiplier(value) }
        let factors: [String: Double] = ["ms": 1, "s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000]
        guard let factor = factors[unit] else {
            diagnose("unknown duration unit '\(unit)' (use ms, s, m, h or d)", from: start, .unknownDurationUnit, [unit])
            return .invalid
        }
        let millis = value * factor
        guard millis < 9.0e15 else {
            diagnose("duration '\(text)\(unit)' is too long", from: start, .durationTooLong, [text + unit])
            return .invalid
        }
        return .duration(Int64(millis.rounded()))
    }

    private mutating func readString(start: SourceLocation) -> Token.Kind {
        advance()
        var value = ""
        while let c = peek() {
            if c == "\"" {
                advance()
                return .string(value)
            }
            if c == "\n" { break }
            if c == "\\" {
                advance()
                guard let e = peek(), e != "\n" else { break }
                switch e {
                case "n": value += "\n"
                case "t": value += "\t"
                case "\"": value += "\""
                case "\\": value += "\\"
                case "{": value += "\\{"
                default:
                    diagnose("unknown escape '\\\(Self.printable(e))' in string", from: location, .unknownEscape, ["\\" + Self.printable(e)])
                }
                advance()
                continue
            }
            value.unicodeScalars.append(c)
            advance()
        }
        diagnose("unterminated string", from: start, .unterminatedString)
        return .invalid
    }

    private mutating func diagnose(_ message: String, from start: SourceLocation, _ code: DiagnosticCode,
                                   _ arguments: [String] = []) {
        diagnostics.append(Diagnostic(severity: .error, message: message,
                                      range: SourceRange(file: file, start: start, end: location),
                                      code: code.rawValue, arguments: arguments))
    }

    /// A scalar made safe to print in a diagnostic.
    static func printable(_ c: Unicode.Scalar) -> String {
        c.value < 0x20 || c.value == 0x7F ? "\\u{\(String(c.value, radix: 16))}" : String(Character(c))
    }
}
