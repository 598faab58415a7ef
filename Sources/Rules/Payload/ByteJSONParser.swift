/// The byte-level JSON parser behind `JSONParser`.
///
/// One forward pass over the payload bytes, validating UTF-8 as it goes. Strict RFC 8259: no
/// trailing commas, comments, leading zeros, NaN/Infinity, raw control characters in strings or lone
/// surrogate escapes. Nesting is limited and checked before descending, so hostile input cannot
/// exhaust the stack.
struct ByteJSONParser {
    /// The payload being parsed.
    let bytes: UnsafeRawBufferPointer
    /// The limits in force; `maxDepth` is already clamped to `ByteJSONParser.hardMaxDepth`.
    let limits: JSONLimits
    /// Byte offset of the next unread byte.
    var position: Int = 0
    /// How many arrays/objects enclose the current position.
    var depth: Int = 0

    /// Nesting never goes deeper than this, whatever the configured limit: the parser recurses
    /// once per level, and this bound keeps that far from any thread's stack size.
    static let hardMaxDepth = 512

    init(bytes: UnsafeRawBufferPointer, limits: JSONLimits) {
        self.bytes = bytes
        var clamped = limits
        clamped.maxDepth = max(0, min(limits.maxDepth, ByteJSONParser.hardMaxDepth))
        self.limits = clamped
    }

    /// Parses the whole buffer as exactly one JSON value surrounded by optional whitespace.
    ///
    /// UTF-8 is validated inside strings as they are scanned (the only place non-ASCII bytes are
    /// legal); when parsing fails for any other reason, the whole payload is checked, so invalid UTF-8
    /// anywhere is always reported as `invalidUTF8` at its first bad sequence, whatever else is wrong.
    mutating func parseDocument() throws(JSONError) -> JSONValue {
        if bytes.count > limits.maxBytes { throw .tooLarge(size: bytes.count, limit: limits.maxBytes) }
        do throws(JSONError) {
            skipWhitespace()
            if position == bytes.count { throw JSONError.empty }
            let value = try parseValue()
            skipWhitespace()
            if position != bytes.count { throw JSONError.syntax(offset: position, message: "unexpected data after the value") }
            return value
        } catch {
            if case .invalidUTF8 = error { throw error }
            if let bad = UTF8Validation.firstInvalidOffset(in: bytes) { throw .invalidUTF8(offset: bad) }
            throw error
        }
    }

    // MARK: - Values

    /// Parses the value starting at the current position.
    mutating func parseValue() throws(JSONError) -> JSONValue {
        guard position < bytes.count else { throw endOfInput("a value") }
        switch bytes[position] {
        case ASCII.openBrace: return .object(try parseObjectBody())
        case ASCII.openBracket: return .array(try parseArrayBody())
        case ASCII.quote: return .string(try parseString())
        case ASCII.minus, ASCII.zero...ASCII.nine: return .number(try parseNumber())
        case ASCII.t: try expectLiteral("true"); return .bool(true)
        case ASCII.f: try expectLiteral("false"); return .bool(false)
        case ASCII.n: try expectLiteral("null"); return .null
        default: throw .syntax(offset: position, message: "expected a value")
        }
    }

    /// Parses `{ … }` starting at the opening brace.
    mutating func parseObjectBody() throws(JSONError) -> JSONObject {
        var fields: [(key: String, value: JSONValue)] = []
        if try openContainer(closer: ASCII.closeBrace) { return JSONObject(fields) }
        fields.reserveCapacity(8)
        while true {
            guard position < bytes.count else { throw endOfInput("a key") }
            guard bytes[position] == ASCII.quote else { throw .syntax(offset: position, message: "expected a string key") }
            let key = try parseString()
            skipWhitespace()
            guard position < bytes.count else { throw endOfInput("':'") }
            guard bytes[position] == ASCII.colon else { throw .syntax(offset: position, message: "expected ':' after a key") }
            position += 1
            skipWhitespace()
            let value = try parseValue()
            fields.append((key: key, value: value))
            if try closeOrContinue(closer: ASCII.closeBrace, expected: "',' or '}'") { return JSONObject(fields) }
        }
    }

    /// Parses `[ … ]` starting at the opening bracket.
    mutating func parseArrayBody() throws(JSONError) -> [JSONValue] {
        var items: [JSONValue] = []
        if try openContainer(closer: ASCII.closeBracket) { return items }
        items.reserveCapacity(4)
        while true {
            items.append(try parseValue())
            if try closeOrContinue(closer: ASCII.closeBracket, expected: "',' or ']'") { return items }
        }
    }

    /// Counts one more level of nesting, refusing before it would exceed the limit.
    /// Enters the container whose opening byte is at `position` and skips to its first member;
    /// true when it is empty (the `closer` follows at once and is consumed).
    @inline(__always)
    mutating func openContainer(closer: UInt8) throws(JSONError) -> Bool {
        try enterContainer()
        position += 1
        skipWhitespace()
        guard position < bytes.count, bytes[position] == closer else { return false }
        position += 1
        depth -= 1
        return true
    }

    /// After a member: consumes `,` and the whitespace after it (false: another member follows) or the
    /// `closer` (true: the container ends). `expected` names both for errors (`',' or ']'`).
    @inline(__always)
    mutating func closeOrContinue(closer: UInt8, expected: String) throws(JSONError) -> Bool {
        skipWhitespace()
        guard position < bytes.count else { throw endOfInput(expected) }
        switch bytes[position] {
        case ASCII.comma:
            position += 1
            skipWhitespace()
            return false
        case closer:
            position += 1
            depth -= 1
            return true
        default:
            throw .syntax(offset: position, message: "expected \(expected)")
        }
    }

    mutating func enterContainer() throws(JSONError) {
        guard depth < limits.maxDepth else { throw .tooDeep(limit: limits.maxDepth) }
        depth += 1
    }

    /// Consumes `literal` (`true`, `false`, `null`) at the current position.
    mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
        let count = literal.utf8CodeUnitCount
        let start = literal.utf8Start
        for index in 0..<count {
            guard position + index < bytes.count else { throw endOfInput("'\(literal)'") }
            guard bytes[position + index] == start[index] else {
                throw .syntax(offset: position + index, message: "invalid literal, expected '\(literal)'")
            }
        }
        position += count
    }

    // MARK: - Helpers

    /// Skips JSON whitespace: space, tab, line feed, carriage return.
    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case ASCII.space, ASCII.tab, ASCII.lineFeed, ASCII.carriageReturn: position += 1
            default: return
            }
        }
    }

    /// The error for a payload that stops where `expected` should follow.
    func endOfInput(_ expected: String) -> JSONError {
        .syntax(offset: bytes.count, message: "unexpected end of payload, expected \(expected)")
    }
}

/// Byte values the parser looks for.
enum ASCII {
    static let tab: UInt8 = 0x09
    static let lineFeed: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let quote: UInt8 = 0x22
    static let plus: UInt8 = 0x2B
    static let comma: UInt8 = 0x2C
    static let minus: UInt8 = 0x2D
    static let dot: UInt8 = 0x2E
    static let slash: UInt8 = 0x2F
    static let zero: UInt8 = 0x30
    static let nine: UInt8 = 0x39
    static let colon: UInt8 = 0x3A
    static let upperA: UInt8 = 0x41
    static let upperE: UInt8 = 0x45
    static let upperF: UInt8 = 0x46
    static let openBracket: UInt8 = 0x5B
    static let backslash: UInt8 = 0x5C
    static let closeBracket: UInt8 = 0x5D
    static let a: UInt8 = 0x61
    static let b: UInt8 = 0x62
    static let e: UInt8 = 0x65
    static let f: UInt8 = 0x66
    static let n: UInt8 = 0x6E
    static let r: UInt8 = 0x72
    static let t: UInt8 = 0x74
    static let u: UInt8 = 0x75
    static let openBrace: UInt8 = 0x7B
    static let closeBrace: UInt8 = 0x7D
}
