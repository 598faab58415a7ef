import Rules
import TerminalText
import Vocabulary

/// JSON written by the CLI for scripts: keys in a fixed order, every control character and
/// terminal-dangerous character escaped (`\u001b`), so the output is safe on a terminal too.
indirect enum JSONOutput: Sendable, Equatable {
    /// A string.
    case string(String)
    /// A whole number.
    case integer(Int64)
    /// A number with a fraction.
    case number(Double)
    /// true/false.
    case bool(Bool)
    /// null.
    case null
    /// An array.
    case array([JSONOutput])
    /// An object with keys in this order.
    case object([(String, JSONOutput)])

    /// Optional string → string or null.
    static func string(_ value: String?) -> JSONOutput { value.map { .string($0) } ?? .null }
    /// Optional integer → integer or null.
    static func integer(_ value: Int64?) -> JSONOutput { value.map { .integer($0) } ?? .null }

    /// Text, indented by two spaces per level, ending in a newline.
    func rendered() -> String {
        var out = ""
        write(into: &out, indent: 0)
        return out + "\n"
    }

    private func write(into out: inout String, indent: Int) {
        switch self {
        case .string(let text): Self.writeString(text, into: &out)
        case .integer(let value): out += String(value)
        case .number(let value): out += value.isFinite ? String(value) : "null"
        case .bool(let value): out += value ? "true" : "false"
        case .null: out += "null"
        case .array(let items):
            guard !items.isEmpty else { out += "[]"; return }
            out += "[\n"
            for (index, item) in items.enumerated() {
                out += String(repeating: "  ", count: indent + 1)
                item.write(into: &out, indent: indent + 1)
                out += index + 1 < items.count ? ",\n" : "\n"
            }
            out += String(repeating: "  ", count: indent) + "]"
        case .object(let members):
            guard !members.isEmpty else { out += "{}"; return }
            out += "{\n"
            for (index, (key, value)) in members.enumerated() {
                out += String(repeating: "  ", count: indent + 1)
                Self.writeString(key, into: &out)
                out += ": "
                value.write(into: &out, indent: indent + 1)
                out += index + 1 < members.count ? ",\n" : "\n"
            }
            out += String(repeating: "  ", count: indent) + "}"
        }
    }

    /// A JSON string literal with terminal-dangerous characters (line/paragraph separators among them) escaped too.
    private static func writeString(_ text: String, into out: inout String) {
        JSONValue.writeQuoted(text, to: &out, alsoEscaping: TextSanitizer.isDangerous)
    }

    static func == (lhs: JSONOutput, rhs: JSONOutput) -> Bool { lhs.rendered() == rhs.rendered() }
}
