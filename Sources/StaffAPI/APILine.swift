import FoundationEssentials
import Glibc

/// The framing of the staff API: one JSON object per line (`\n`), UTF-8. JSON escapes control characters inside
/// strings, so a line never holds more than one object.
public enum APILine {
    /// Longest line accepted, in bytes: a request is small; a longer line is a broken or hostile client.
    public static let maximumBytes = 1 << 20
    /// Longest answer the CLI reads, in bytes: answers come from lookoutd and list whole tables (`devices` of a
    /// large registry, `events --limit`), so they may be much longer than a request; still bounded.
    public static let maximumResponseBytes = 256 << 20

    /// `value` as one line, newline included.
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value)) + [UInt8(ascii: "\n")]
    }

    /// The object of one line (without its newline).
    public static func decode<T: Decodable>(_ type: T.Type, from line: [UInt8]) throws -> T {
        try JSONDecoder().decode(type, from: Data(line))
    }
}
