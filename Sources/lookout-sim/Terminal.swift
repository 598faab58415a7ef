import Vocabulary

/// Output to the terminal; device data is sanitised before it is printed.
enum Terminal {
    /// Writes one line to standard output.
    static func say(_ line: String) {
        StandardStream.writeOutput(line + "\n")
    }

    /// Writes one line to standard error.
    static func complain(_ line: String) {
        StandardStream.writeError(line + "\n")
    }

    /// Printable text for arbitrary bytes: invalid UTF-8 shows as U+FFFD, control and bidirectional
    /// formatting characters as `\u{…}`; long payloads are cut at `limit` bytes.
    static func sanitised(_ bytes: [UInt8], limit: Int = 160) -> String {
        var out = ""
        for scalar in String(decoding: bytes.prefix(limit), as: UTF8.self).unicodeScalars {
            switch scalar.value {
            case 0..<0x20, 0x7F..<0xA0, 0x200E...0x200F, 0x202A...0x202E, 0x2066...0x2069:
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        if bytes.count > limit { out += "… (\(bytes.count) bytes)" }
        return out
    }
}
