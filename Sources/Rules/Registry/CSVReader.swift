/// Where one field of a CSV record is: a range of the file's bytes, or (a quoted field with doubled quotes)
/// of the reader's buffer of unescaped fields. Leading and trailing horizontal whitespace is already cut off.
struct CSVField {
    /// First byte.
    var start: Int
    /// One past the last byte.
    var end: Int
    /// Whether the bytes are in `CSVReader.unescaped` rather than in the file.
    var isUnescaped: Bool

    /// Whether the field has no bytes.
    var isEmpty: Bool { start == end }
}

/// An RFC 4180 reader over UTF-8 bytes that hands out one record at a time as byte ranges (no String per
/// field) and remembers the line each record starts on. Blank lines are skipped; a record with a syntax
/// problem is reported and skipped. Fields are trimmed of horizontal whitespace (`isHorizontalSpace`).
struct CSVReader {
    /// The file.
    let bytes: [UInt8]
    /// The contents of this record's quoted fields that had doubled quotes, undoubled.
    private(set) var unescaped: [UInt8] = []
    /// Where the next record starts.
    private(set) var position = 0
    /// Where reading stops (the end of the file, or of the part of it this reader reads).
    private let end: Int
    private var line = 1

    private static let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r"), space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")

    init(bytes: [UInt8]) {
        self.bytes = bytes
        end = bytes.count
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    /// A reader of the records in `range` of `bytes` (which must start at a record), whose first line is `line`.
    init(bytes: [UInt8], range: Range<Int>, line: Int = 1) {
        self.bytes = bytes
        position = range.lowerBound
        end = range.upperBound
        self.line = line
    }

    /// Reads the next record with content into `fields`; returns the line it starts on, nil at the end.
    mutating func nextRow(into fields: inout [CSVField], fileName: String, issues: inout [DeviceRegistryIssue]) -> Int? {
        while position < end {
            if let line = readRecord(into: &fields, fileName: fileName, issues: &issues) { return line }
        }
        return nil
    }

    /// The bytes of `field` (a record's field is valid until the next `nextRow`).
    func slice(_ field: CSVField) -> ArraySlice<UInt8> {
        field.isUnescaped ? unescaped[field.start..<field.end] : bytes[field.start..<field.end]
    }

    /// The text of `field`.
    func text(_ field: CSVField) -> String {
        String(decoding: slice(field), as: UTF8.self)
    }

    /// Reads one physical record (up to an unquoted line end): its line when it has content and no
    /// syntax problem, else nil.
    private mutating func readRecord(into fields: inout [CSVField], fileName: String, issues: inout [DeviceRegistryIssue]) -> Int? {
        fields.removeAll(keepingCapacity: true)
        unescaped.removeAll(keepingCapacity: true)
        let rowStartLine = line
        var rowHasContent = false
        var badRow = false
        func problem(_ message: String, at line: Int) {
            if !badRow { issues.append(DeviceRegistryIssue(file: fileName, line: line, message: message)) }
            badRow = true
        }

        while true {
            var field: CSVField
            if position < end && bytes[position] == Self.quote {
                rowHasContent = true
                guard let quoted = readQuotedField() else {
                    issues.append(DeviceRegistryIssue(file: fileName, line: rowStartLine, message: "quoted field is not closed before the end of the file"))
                    fields.append(CSVField(start: position, end: position, isUnescaped: false))
                    return nil
                }
                field = quoted
                while position < end && (bytes[position] == Self.space || bytes[position] == Self.tab) { position += 1 }
                if position < end, !Self.isDelimiter(bytes[position]) {
                    problem("unexpected text after a closing quote", at: line)
                    _ = scanUnquotedField(hasContent: &rowHasContent, problem: problem)
                }
            } else {
                let start = position
                if scanUnquotedField(hasContent: &rowHasContent, problem: problem) {
                    problem("quote inside an unquoted field (quote the whole field and double the quote)", at: line)
                }
                field = CSVField(start: start, end: position, isUnescaped: false)
            }
            trim(&field)
            fields.append(field)
            guard position < end else { break }
            let delimiter = bytes[position]
            position += 1
            if delimiter == Self.comma {
                rowHasContent = true
                continue
            }
            if delimiter == Self.carriageReturn && position < end && bytes[position] == Self.newline { position += 1 }
            line += 1
            break
        }
        return rowHasContent && !badRow ? rowStartLine : nil
    }

    /// Whether `byte` ends an unquoted field.
    private static func isDelimiter(_ byte: UInt8) -> Bool {
        byte == comma || byte == newline || byte == carriageReturn
    }

    /// Moves to the end of an unquoted field (a comma, a line end or the end of the file); notes whether it
    /// has content other than spaces and tabs; returns whether it contains a quote.
    private mutating func scanUnquotedField(hasContent: inout Bool, problem: (String, Int) -> Void) -> Bool {
        var sawQuote = false
        while position < end {
            let byte = bytes[position]
            if Self.isDelimiter(byte) { break }
            if byte == Self.quote { sawQuote = true }
            if byte != Self.space && byte != Self.tab { hasContent = true }
            position += 1
        }
        return sawQuote
    }

    /// Reads a quoted field from its opening quote to just past its closing quote; nil when the file ends
    /// inside it. Doubled quotes are undoubled into `unescaped`.
    private mutating func readQuotedField() -> CSVField? {
        position += 1
        let contentStart = position
        var unescapedStart: Int?
        while position < end {
            let byte = bytes[position]
            if byte == Self.quote {
                if position + 1 < end && bytes[position + 1] == Self.quote {
                    if unescapedStart == nil {
                        unescapedStart = unescaped.count
                        unescaped.append(contentsOf: bytes[contentStart..<position])
                    }
                    unescaped.append(Self.quote)
                    position += 2
                    continue
                }
                let end = position
                position += 1
                if let unescapedStart { return CSVField(start: unescapedStart, end: unescaped.count, isUnescaped: true) }
                return CSVField(start: contentStart, end: end, isUnescaped: false)
            }
            if byte == Self.newline { line += 1 }
            if unescapedStart != nil { unescaped.append(byte) }
            position += 1
        }
        return nil
    }

    /// Cuts leading and trailing horizontal whitespace off `field`.
    private func trim(_ field: inout CSVField) {
        if field.isUnescaped {
            unescaped.trimHorizontalWhitespace(&field.start, &field.end)
        } else {
            bytes.trimHorizontalWhitespace(&field.start, &field.end)
        }
    }
}

extension Array where Element == UInt8 {
    /// Moves `start` and `end` inwards past horizontal whitespace (`isHorizontalSpace`) in these UTF-8 bytes.
    func trimHorizontalWhitespace(_ start: inout Int, _ end: inout Int) {
        while start < end {
            let lead = self[start]
            if lead == 0x20 || lead == 0x09 { start += 1; continue }
            // Only U+00A0 and U+1680…U+3000 are spaces above ASCII: lead bytes C2, E1, E2, E3.
            guard lead == 0xC2 || (0xE1...0xE3).contains(lead), let (scalar, length) = scalar(at: start, end: end),
                  scalar.isHorizontalSpace else { break }
            start += length
        }
        while end > start {
            let last = self[end - 1]
            if last == 0x20 || last == 0x09 { end -= 1; continue }
            guard last >= 0x80 else { break }
            var lead = end - 1
            while lead > start && end - lead < 4 && self[lead] & 0xC0 == 0x80 { lead -= 1 }
            guard let (scalar, length) = scalar(at: lead, end: end), lead + length == end, scalar.isHorizontalSpace else { break }
            end = lead
        }
    }

    /// The scalar whose UTF-8 encoding starts at `index` and its length; nil when the bytes there (up to
    /// `end`) are not one.
    private func scalar(at index: Int, end: Int) -> (Unicode.Scalar, Int)? {
        let lead = self[index]
        let length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0
        guard length > 0, end - index >= length else { return nil }
        var value = length == 1 ? UInt32(lead) : UInt32(lead) & (0xFF >> (length + 1))
        for offset in 1..<length {
            let byte = self[index + offset]
            guard byte & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        return Unicode.Scalar(value).map { ($0, length) }
    }
}

extension Unicode.Scalar {
    /// Whether this is horizontal whitespace as the registry trims it: tab, the Unicode space separators and
    /// U+200B (the same set as Foundation's `CharacterSet.whitespaces`).
    var isHorizontalSpace: Bool {
        switch value {
        case 0x09, 0x20: return true
        case 0...0x9F, 0x3001...: return false  // no space separator below U+00A0 but U+0020, none above U+3000
        default: return self == "\u{200B}" || properties.generalCategory == .spaceSeparator
        }
    }
}
