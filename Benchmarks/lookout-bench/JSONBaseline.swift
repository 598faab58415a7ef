import FoundationEssentials

/// The JSON benchmarks' baseline: FoundationEssentials' `JSONDecoder` into a dictionary of any JSON values, what
/// `JSONSerialization.jsonObject` gave before (which needs all of Foundation; docs/packaging.md, "Sizes").
enum JSONBaseline {
    /// The number of top-level fields of a JSON object, nil when `data` is not one.
    static func fieldCount(_ data: Data) -> Int? {
        try? JSONDecoder().decode([String: AnyJSONValue].self, from: data).count
    }
}

/// Any JSON value, decoded without a schema.
enum AnyJSONValue: Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([AnyJSONValue])
    case object([String: AnyJSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([AnyJSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: AnyJSONValue].self))
        }
    }
}
