extension ByteJSONParser {
    /// Parses a string literal starting at its opening quote and returns it unescaped.
    ///
    /// Strings without escapes (nearly all device strings) become one `String` straight from the
    /// byte slice; non-ASCII bytes are validated as UTF-8 on the way.
    mutating func parseString() throws(JSONError) -> String {
        let contentStart = position + 1
        var index = contentStart
        while index < bytes.count {
            let byte = bytes[index]
            if byte == ASCII.quote {
                position = index + 1
                return Self.makeString(UnsafeRawBufferPointer(rebasing: bytes[contentStart..<index]))
            }
            if byte == ASCII.backslash { break }
            if byte < 0x20 { throw .syntax(offset: index, message: "control character in string") }
            index += byte < 0x80 ? 1 : try utf8SequenceLength(at: index)
        }
        guard index < bytes.count else { throw endOfInput("'\"' to end the string") }
        var unescaped: [UInt8] = []
        unescaped.reserveCapacity(index - contentStart + 16)
        unescaped.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[contentStart..<index]))
        position = index
        return try parseEscapedStringTail(into: &unescaped)
    }

    /// A String of already validated UTF-8 bytes.
    @inline(__always)
    static func makeString(_ utf8: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: utf8.count) { buffer in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: utf8)
            return utf8.count
        }
    }

    /// Continues a string from its first backslash, appending unescaped bytes to `unescaped`.
    mutating func parseEscapedStringTail(into unescaped: inout [UInt8]) throws(JSONError) -> String {
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case ASCII.quote:
                position += 1
                return String(decoding: unescaped, as: UTF8.self)
            case ASCII.backslash:
                try appendEscape(to: &unescaped)
            case 0..<0x20:
                throw .syntax(offset: position, message: "control character in string")
            case 0x80...:
                let length = try utf8SequenceLength(at: position)
                unescaped.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[position..<position + length]))
                position += length
            default:
                unescaped.append(byte)
                position += 1
            }
        }
        throw endOfInput("'\"' to end the string")
    }

    /// The length of the valid UTF-8 sequence at `index`, or `invalidUTF8` there. Every byte before a
    /// string's content is ASCII grammar, so this is the first invalid sequence of the payload.
    func utf8SequenceLength(at index: Int) throws(JSONError) -> Int {
        guard let length = UTF8Validation.sequenceLength(in: bytes, at: index) else { throw .invalidUTF8(offset: index) }
        return length
    }

    /// Decodes one escape sequence starting at its backslash.
    mutating func appendEscape(to unescaped: inout [UInt8]) throws(JSONError) {
        let escapeStart = position
        guard position + 1 < bytes.count else { throw endOfInput("an escape sequence") }
        let kind = bytes[position + 1]
        position += 2
        switch kind {
        case ASCII.quote, ASCII.backslash, ASCII.slash: unescaped.append(kind)
        case ASCII.b: unescaped.append(0x08)
        case ASCII.f: unescaped.append(0x0C)
        case ASCII.n: unescaped.append(ASCII.lineFeed)
        case ASCII.r: unescaped.append(ASCII.carriageReturn)
        case ASCII.t: unescaped.append(ASCII.tab)
        case ASCII.u:
            let scalar = try parseUnicodeEscape(escapeStart: escapeStart)
            appendUTF8(scalar, to: &unescaped)
        default:
            throw .syntax(offset: escapeStart, message: "invalid escape sequence")
        }
    }

    /// Decodes the `XXXX` of a `\uXXXX` escape (position just after `\u`), joining surrogate pairs.
    mutating func parseUnicodeEscape(escapeStart: Int) throws(JSONError) -> UInt32 {
        let first = try parseHex4()
        switch first {
        case 0xD800...0xDBFF:
            guard position + 1 < bytes.count, bytes[position] == ASCII.backslash, bytes[position + 1] == ASCII.u else {
                throw .syntax(offset: escapeStart, message: "high surrogate escape without a low surrogate")
            }
            position += 2
            let second = try parseHex4()
            guard (0xDC00...0xDFFF).contains(second) else {
                throw .syntax(offset: escapeStart, message: "high surrogate escape without a low surrogate")
            }
            return 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        case 0xDC00...0xDFFF:
            throw .syntax(offset: escapeStart, message: "low surrogate escape without a high surrogate")
        default:
            return first
        }
    }

    /// Reads four hex digits.
    mutating func parseHex4() throws(JSONError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard position < bytes.count else { throw endOfInput("four hex digits") }
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case ASCII.zero...ASCII.nine: digit = byte - ASCII.zero
            case ASCII.a...ASCII.f: digit = byte - ASCII.a + 10
            case ASCII.upperA...ASCII.upperF: digit = byte - ASCII.upperA + 10
            default: throw .syntax(offset: position, message: "invalid hex digit in \\u escape")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    /// Appends the UTF-8 encoding of a scalar value (never a surrogate, at most U+10FFFF).
    func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | scalar >> 6))
            out.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | scalar >> 12))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        default:
            out.append(UInt8(0xF0 | scalar >> 18))
            out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
