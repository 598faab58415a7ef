import Vocabulary

/// A value while evaluating a rule expression. `missing` is a field that is not there (or not usable).
enum RuleValue: Sendable, Equatable {
    case missing
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case list([RuleValue])
    /// A JSON object: only good for `has`.
    case object

    /// Converts a payload value without copying strings.
    init(_ json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .number(let d): self = .number(d)
        case .string(let s): self = .string(s)
        case .array(let items): self = .list(items.map(RuleValue.init))
        case .object: self = .object
        }
    }

    /// Text for a template placeholder; missing values print as `?`. Control characters are dropped.
    var templateText: String {
        switch self {
        case .missing: return "?"
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let d): return Self.format(d)
        case .string(let s): return Self.sanitized(s)
        case .list(let items): return items.map(\.templateText).joined(separator: ", ")
        case .object: return "{…}"
        }
    }

    /// A number as people write it: `12`, `0.5`.
    static func format(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return String(d)
    }

    /// `s` with controls and reordering characters escaped (device data must not drive a terminal or a log).
    static func sanitized(_ s: String) -> String { TextSanitizer.sanitize(s) }
}

/// A field of `device.*`: one of the registry's declared fields (`RegistryField`) or an operator's own column.
enum DeviceField: Sendable, Equatable {
    case registry(RegistryField)
    /// Any further CSV column.
    case extra(String)

    /// `device.id`.
    static var id: DeviceField { .registry(.id) }

    /// Built-in names as written in rules (from the registry table).
    static let builtIn: [String: DeviceField] = RegistryField.ruleFields(under: "device").mapValues { .registry($0) }
}

/// A field of `resident.*`: one of the registry's declared resident fields, or `away` (from the engine's away notes).
enum ResidentField: Sendable, Equatable {
    case registry(RegistryField)
    /// `resident.away`.
    case away

    /// The field `name` names (`resident.<name>`), nil when there is none.
    init?(rawValue name: String) {
        if name == "away" {
            self = .away
        } else if let field = RegistryField(rule: "resident", name) {
            self = .registry(field)
        } else {
            return nil
        }
    }
}

/// Comparison operators.
enum CompareOperator: String, Sendable {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
}

/// Arithmetic operators.
enum ArithmeticOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/"
}

/// A checked expression, ready to evaluate.
indirect enum RuleExpr: Sendable {
    case constant(RuleValue)
    /// A top-level payload field.
    case field(String)
    /// A nested payload field (`gps.lat`).
    case fieldPath([String])
    case device(DeviceField)
    case resident(ResidentField)
    /// `topic.<name>`; `slot` is the segment's position in the layout the rule was compiled against.
    case topic(String, slot: Int)
    /// `{count}` in templates: occurrences in the window, or devices in the group.
    case count
    case not(RuleExpr)
    case and(RuleExpr, RuleExpr)
    case or(RuleExpr, RuleExpr)
    case compare(CompareOperator, RuleExpr, RuleExpr)
    case arithmetic(ArithmeticOperator, RuleExpr, RuleExpr)
    case negate(RuleExpr)
    /// `x in [..]`.
    case member(RuleExpr, RuleExpr)
    /// `has x`.
    case has(RuleExpr)

    /// Whether the expression reads `resident.away`.
    var readsAway: Bool {
        switch self {
        case .resident(.away): return true
        case .not(let e), .negate(let e), .has(let e): return e.readsAway
        case .and(let a, let b), .or(let a, let b), .compare(_, let a, let b), .arithmetic(_, let a, let b), .member(let a, let b):
            return a.readsAway || b.readsAway
        default: return false
        }
    }
}

/// A title or description: literal text and placeholders.
struct RuleTemplate: Sendable {
    enum Piece: Sendable {
        case text(String)
        case value(RuleExpr)
    }
    var pieces: [Piece]
}
