/// Makes text from devices (and anything else not written by us) safe to print on a terminal or in a log line.
///
/// The one sanitizer of Lookout: the CLI's tables, the daemon's log and journal lines, systemd status text and
/// rule templates all use it, so a character that cannot reach a terminal cannot reach the journal either.
/// C0 controls (U+0000–U+001F), DEL, C1 controls (U+0080–U+009F), the line and paragraph separators
/// (U+2028, U+2029) and the bidirectional marks, embeddings, overrides and isolates that can reorder what a
/// reader sees (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), and the invisible zero-width space,
/// word joiner and byte-order mark (U+200B, U+2060, U+FEFF) that make two ids look alike, are replaced by visible escapes:
/// `\x1b` for C0 and DEL, `\u{9b}` for the others. Nothing that can start an escape sequence gets through,
/// and the result is one line unless newlines are explicitly kept.
public enum TextSanitizer {
    /// The sanitised form of `text`. With `keepNewlines`, `\n` stays a line break (for multi-line
    /// fields such as descriptions); `\r` and every other control is always escaped.
    public static func sanitize(_ text: String, keepNewlines: Bool = false) -> String {
        if isSafe(text, allowingNewlines: keepNewlines) { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if keepNewlines && scalar == "\n" {
                out.append(scalar)
            } else if let escape = escape(for: scalar) {
                out.append(contentsOf: escape.unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// Whether `text` can be printed as it is (no character that `sanitize` would replace).
    public static func isSafe(_ text: String, allowingNewlines: Bool = false) -> Bool {
        isPrintableASCII(text) || text.unicodeScalars.allSatisfy { (allowingNewlines && $0 == "\n") || escape(for: $0) == nil }
    }

    /// Whether every byte of `text` is printable ASCII (0x20–0x7E): most text is, and this decides it from the
    /// bytes without decoding a scalar. False also when the bytes are not contiguous (the scalar walk decides).
    @inline(__always)
    static func isPrintableASCII(_ text: String) -> Bool {
        text.utf8.withContiguousStorageIfAvailable { bytes in
            for byte in bytes where byte < 0x20 || byte > 0x7E { return false }
            return true
        } ?? false
    }

    /// Whether `scalar` is replaced by `sanitize` (a control, a line separator, or a character that reorders text).
    public static func isDangerous(_ scalar: Unicode.Scalar) -> Bool { escape(for: scalar) != nil }

    /// The visible escape for a dangerous scalar, or nil when the scalar is harmless.
    static func escape(for scalar: Unicode.Scalar) -> String? {
        let value = scalar.value
        switch value {
        case 0x00..<0x20, 0x7F:
            return "\\x" + hex(value, digits: 2)
        case 0x80..<0xA0, 0x061C, 0x200B, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2060, 0x2066...0x2069, 0xFEFF:
            return "\\u{" + hex(value, digits: 0) + "}"
        default:
            return nil
        }
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
