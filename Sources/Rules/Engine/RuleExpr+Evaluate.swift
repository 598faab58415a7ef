import Vocabulary

/// A registered device as the engine sees it: the registry record itself (one reference, no second copy
/// of the registry in the engine).
typealias DeviceEntry = DeviceRecord

extension DeviceRecord {
    /// The record (the engine reads registry fields through `entry.record`).
    var record: DeviceRecord { self }
}

/// What an expression is evaluated against: one message (or none, for absence checks) and its device.
struct EvaluationContext {
    var payload: JSONObject
    var segments: TopicSegments
    var deviceID: String
    var device: DeviceEntry?
    var awayUntil: EpochMillis?
    var now: EpochMillis
    var count: Int = 1
    /// Fields that were absent where a value was needed.
    var missingFields = 0
    /// Fields of the wrong type for their use.
    var wrongTypes = 0
    /// Evaluation errors (division by zero).
    var errors = 0

    /// Resets what evaluating one rule changes, so the next rule of the same message starts afresh.
    mutating func startRule() {
        count = 1
        missingFields = 0
        wrongTypes = 0
        errors = 0
    }
}

extension RuleExpr {
    /// Whether the expression is true (only `true` is; everything else, missing included, is not).
    func isTrue(in context: inout EvaluationContext) -> Bool {
        switch self {
        case .and(let a, let b): return a.isTrue(in: &context) && b.isTrue(in: &context)
        case .or(let a, let b): return a.isTrue(in: &context) || b.isTrue(in: &context)
        case .not(let e): return !e.isTrue(in: &context)
        case .compare(let op, let a, let b): return Self.compare(op, a.evaluate(in: &context), b.evaluate(in: &context), &context)
        default:
            switch evaluate(in: &context) {
            case .bool(let b): return b
            case .missing: context.missingFields += 1; return false
            default: context.wrongTypes += 1; return false
            }
        }
    }

    /// The expression's value.
    func evaluate(in context: inout EvaluationContext) -> RuleValue {
        switch self {
        case .constant(let value): return value
        case .field(let name): return context.payload[name].map(RuleValue.init) ?? .missing
        case .fieldPath(let path):
            guard let first = context.payload[path[0]] else { return .missing }
            return first.value(atPath: path.dropFirst().lazy.map { Substring($0) }).map(RuleValue.init) ?? .missing
        case .device(let field): return Self.deviceValue(field, context)
        case .resident(let field): return Self.residentValue(field, context)
        case .topic(let name, let slot): return context.segments.value(name, slot: slot).map { .string($0) } ?? .missing
        case .count: return .number(Double(context.count))
        case .and, .or, .not, .compare: return .bool(isTrue(in: &context))
        case .negate(let e):
            switch e.evaluate(in: &context) {
            case .number(let d): return .number(-d)
            case .missing: return .missing
            default: context.wrongTypes += 1; return .missing
            }
        case .arithmetic(let op, let a, let b):
            return Self.arithmetic(op, a.evaluate(in: &context), b.evaluate(in: &context), &context)
        case .member(let a, let b):
            let needle = a.evaluate(in: &context)
            let haystack = b.evaluate(in: &context)
            if needle == .missing { context.missingFields += 1; return .bool(false) }
            guard case .list(let items) = haystack else {
                if haystack == .missing { context.missingFields += 1 } else { context.wrongTypes += 1 }
                return .bool(false)
            }
            return .bool(items.contains(needle))
        case .has(let e):
            switch e.evaluate(in: &context) {
            case .missing: return .bool(false)
            default: return .bool(true)
            }
        }
    }

    // The registry record is read through its entry (`DeviceRecord.ruleValue(of:)`: one switch on the field,
    // no look-up by name).
    private static func deviceValue(_ field: DeviceField, _ context: EvaluationContext) -> RuleValue {
        guard let entry = context.device else { return field == .id && !context.deviceID.isEmpty ? .string(context.deviceID) : .missing }
        switch field {
        case .registry(let field): return entry.record.ruleValue(of: field)
        case .extra(let column):
            let text = entry.record.extra[column] ?? ""
            return text.isEmpty ? .missing : .string(text)
        }
    }

    private static func residentValue(_ field: ResidentField, _ context: EvaluationContext) -> RuleValue {
        switch field {
        case .away: return .bool((context.awayUntil ?? .min) > context.now)
        case .registry(let field): return context.device?.record.ruleValue(of: field) ?? .missing
        }
    }

    /// `x op y` for two values of one ordered type (numbers, strings).
    static func ordered<T: Comparable>(_ op: CompareOperator, _ x: T, _ y: T) -> Bool {
        switch op {
        case .equal: return x == y
        case .notEqual: return x != y
        case .less: return x < y
        case .lessOrEqual: return x <= y
        case .greater: return x > y
        case .greaterOrEqual: return x >= y
        }
    }

    static func compare(_ op: CompareOperator, _ a: RuleValue, _ b: RuleValue, _ context: inout EvaluationContext) -> Bool {
        switch (a, b) {
        case (.missing, _), (_, .missing):
            context.missingFields += 1
            return false
        case (.number(let x), .number(let y)):
            return ordered(op, x, y)
        case (.string(let x), .string(let y)):
            return ordered(op, x, y)
        case (.bool(let x), .bool(let y)) where op == .equal || op == .notEqual:
            return (x == y) == (op == .equal)
        case (.null, .null) where op == .equal || op == .notEqual:
            return op == .equal
        default:
            context.wrongTypes += 1
            return false
        }
    }

    static func arithmetic(_ op: ArithmeticOperator, _ a: RuleValue, _ b: RuleValue, _ context: inout EvaluationContext) -> RuleValue {
        switch (a, b) {
        case (.missing, _), (_, .missing): return .missing
        case (.number(let x), .number(let y)):
            switch op {
            case .add: return .number(x + y)
            case .subtract: return .number(x - y)
            case .multiply: return .number(x * y)
            case .divide:
                guard y != 0 else { context.errors += 1; return .missing }
                return .number(x / y)
            }
        case (.string(let x), .string(let y)) where op == .add: return .string(x + y)
        default:
            context.wrongTypes += 1
            return .missing
        }
    }
}

extension RuleTemplate {
    /// The text with every placeholder filled in.
    func render(in context: inout EvaluationContext) -> String {
        if pieces.count == 1, case .text(let text) = pieces[0] { return text }
        var out = ""
        for piece in pieces {
            switch piece {
            case .text(let text): out += text
            case .value(let expr): out += expr.evaluate(in: &context).templateText
            }
        }
        return out
    }
}
