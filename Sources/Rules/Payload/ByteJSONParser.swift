/// The byte-level JSON parser behind `JSONParser`. (Placeholder: the fast path lands in its own change.)
struct ByteJSONParser {
    let bytes: UnsafeRawBufferPointer
    let limits: JSONLimits

    init(bytes: UnsafeRawBufferPointer, limits: JSONLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    mutating func parseDocument() throws(JSONError) -> JSONValue {
        throw .syntax(offset: 0, message: "parser not implemented yet")
    }
}
