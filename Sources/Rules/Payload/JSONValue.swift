/// A decoded JSON value, as rules see a device payload.
///
/// Objects keep their fields in document order in a small array: device payloads have a handful of
/// fields, where a linear scan beats hashing and saves an allocation per message.
public enum JSONValue: Sendable, Equatable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// Any JSON number; always finite.
    case number(Double)
    /// A string, already unescaped and valid UTF-8.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object, fields in document order.
    case object(JSONObject)
}

/// The fields of a JSON object in document order. A later duplicate key wins on lookup.
public struct JSONObject: Sendable, Equatable {
    /// The fields, in document order.
    public var fields: [(key: String, value: JSONValue)]

    /// Creates an object from fields in document order.
    public init(_ fields: [(key: String, value: JSONValue)] = []) { self.fields = fields }

    /// The value of the last field named `key`, or nil.
    public subscript(key: String) -> JSONValue? {
        // Lengths first: most keys of a payload differ from the one asked for in length already, and comparing
        // two lengths costs no call into the string library.
        // Through the buffer: the fields are read in place, without a bounds check or a copy per field.
        let length = key.utf8.count
        return fields.withUnsafeBufferPointer { fields in
            var index = fields.count - 1
            while index >= 0 {
                if fields[index].key.utf8.count == length, fields[index].key == key { return fields[index].value }
                index -= 1
            }
            return nil
        }
    }

    /// Field-by-field equality, order included.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.fields.count == rhs.fields.count else { return false }
        for (l, r) in zip(lhs.fields, rhs.fields) where l.key != r.key || l.value != r.value { return false }
        return true
    }
}

extension JSONValue {
    /// The value at a dotted path of object keys (`a.b.c`), or nil when any step is absent or not an object.
    public func value(atPath path: some Sequence<Substring>) -> JSONValue? {
        var current = self
        for key in path {
            guard case .object(let object) = current, let next = object[String(key)] else { return nil }
            current = next
        }
        return current
    }

    /// Compact JSON text for this value (stored with events, printed by `--json`).
    public var jsonText: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let d):
            if d == d.rounded(), abs(d) < 1e15 { out += String(Int64(d)) } else { out += "\(d)" }
        case .string(let s): JSONValue.writeQuoted(s, to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let object):
            out += "{"
            for (i, field) in object.fields.enumerated() {
                if i > 0 { out += "," }
                JSONValue.writeQuoted(field.key, to: &out)
                out += ":"
                field.value.write(to: &out)
            }
            out += "}"
        }
    }

    /// Appends `s` as a JSON string literal, escaping quotes, backslashes and control characters.
    public static func writeQuoted(_ s: String, to out: inout String) {
        writeQuoted(s, to: &out, alsoEscaping: { _ in false })
    }

    /// Appends `s` as a JSON string literal like `writeQuoted(_:to:)`, and also writes every scalar for
    /// which `alsoEscaping` is true as a `\uXXXX` escape (e.g. characters that are dangerous on a terminal).
    @inline(__always)  // so the payload writer's `{ _ in false }` costs nothing per character
    public static func writeQuoted(_ s: String, to out: inout String, alsoEscaping: (Unicode.Scalar) -> Bool) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || alsoEscaping(scalar) {
                    writeUnicodeEscape(scalar, to: &out)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    /// Appends `\uXXXX` for `scalar` (a surrogate pair beyond the Basic Multilingual Plane).
    private static func writeUnicodeEscape(_ scalar: Unicode.Scalar, to out: inout String) {
        for unit in String(scalar).utf16 {
            let hex = String(unit, radix: 16)
            out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }
    }
}
