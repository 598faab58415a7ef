/// Why a payload could not be decoded. Each case is a reject reason the daemon counts.
public enum JSONError: Error, Sendable, Equatable {
    /// The payload is empty.
    case empty
    /// The payload is larger than the configured limit.
    case tooLarge(size: Int, limit: Int)
    /// The payload is not valid UTF-8 (byte offset of the first bad byte).
    case invalidUTF8(offset: Int)
    /// Nesting is deeper than the configured limit.
    case tooDeep(limit: Int)
    /// A number is out of range of a finite Double.
    case numberOutOfRange(offset: Int)
    /// Anything else: not JSON. `offset` is the byte where the parser gave up.
    case syntax(offset: Int, message: String)
    /// The top-level value is not an object (device payloads must be objects).
    case notAnObject

    /// A short, stable reason name used for counters and `lookout rejects` (`invalid_json`, …).
    public var reason: String {
        switch self {
        case .empty: return "empty_payload"
        case .tooLarge: return "payload_too_large"
        case .invalidUTF8: return "invalid_utf8"
        case .tooDeep: return "too_deep"
        case .numberOutOfRange: return "number_out_of_range"
        case .syntax: return "invalid_json"
        case .notAnObject: return "not_an_object"
        }
    }
}

/// Limits the decoder enforces before and while parsing.
public struct JSONLimits: Sendable {
    /// Largest accepted payload in bytes.
    public var maxBytes: Int
    /// Deepest accepted nesting of arrays and objects.
    public var maxDepth: Int
    /// Creates limits; defaults suit device payloads (64 KiB, depth 32).
    public init(maxBytes: Int = 65_536, maxDepth: Int = 32) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
    }
}

/// Decodes device payloads. A single-pass byte parser: no Foundation on the hot path.
public enum JSONParser {
    /// Parses `bytes` as one JSON object (surrounding whitespace allowed).
    public static func parseObject(_ bytes: UnsafeRawBufferPointer, limits: JSONLimits = JSONLimits()) throws(JSONError) -> JSONObject {
        let value = try parse(bytes, limits: limits)
        guard case .object(let object) = value else { throw .notAnObject }
        return object
    }

    /// Parses `bytes` as one JSON object.
    public static func parseObject(_ bytes: [UInt8], limits: JSONLimits = JSONLimits()) throws(JSONError) -> JSONObject {
        do {
            return try bytes.withUnsafeBytes { buffer in try parseObject(buffer, limits: limits) }
        } catch let error as JSONError {
            throw error
        } catch {
            throw .syntax(offset: 0, message: "\(error)")
        }
    }

    /// Parses `bytes` as one JSON value of any type.
    public static func parse(_ bytes: UnsafeRawBufferPointer, limits: JSONLimits = JSONLimits()) throws(JSONError) -> JSONValue {
        var parser = ByteJSONParser(bytes: bytes, limits: limits)
        return try parser.parseDocument()
    }
}
