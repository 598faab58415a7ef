import Vocabulary

/// Static type of an expression, as far as the checker can tell.
enum StaticType: String, Sendable {
    case number, string, bool, list
    /// Unknown until run time (payload fields of unknown kinds).
    case any

    /// The type of a registry field's values.
    init(_ type: RegistryField.ValueType) {
        switch type {
        case .text: self = .string
        case .number: self = .number
        case .bool: self = .bool
        }
    }
}

/// Payload fields of the device kinds of docs/domain.md, for warnings about misspelt fields and type checks.
enum KnownFields {
    /// Fields every kind may send.
    static let common: [String: StaticType] = [
        "ts": .number, "event": .string, "state": .string, "online": .bool, "battery_pct": .number,
    ]
    /// Fields per kind.
    static let byKind: [String: [String: StaticType]] = [
        "manhole": ["tilt_deg": .number, "water_overrun": .bool, "ch4_pct_lel": .number, "h2s_ppm": .number,
                    "battery_v": .number, "rsrp_dbm": .number],
        "smoke": ["concentration_pct": .number, "temperature_c": .number, "code": .string, "result": .string,
                  "duration_s": .number],
        "door": ["result": .string, "method": .string, "door": .number, "direction": .string, "credential": .string,
                 "reason": .string, "open_s": .number, "part": .string, "limit_s": .number],
        "sos": ["press": .string],
    ]

    /// The type of `field` for messages of `kinds`; nil when no kind knows it. `kinds` nil: unknown kinds.
    static func type(of field: String, kinds: Set<String>?) -> StaticType? {
        if let type = common[field] { return type }
        guard let kinds, !kinds.isEmpty else { return .any }
        var found: StaticType?
        for kind in kinds {
            guard let fields = byKind[kind] else { return .any }
            if let type = fields[field] {
                if let earlier = found, earlier != type { return .any }
                found = type
            }
        }
        return found
    }

    /// Registry fields of `device.*` with their types (from the registry table).
    static let deviceTypes: [String: StaticType] = RegistryField.ruleFields(under: "device").mapValues { StaticType($0.spec.type) }
    /// Registry fields of `resident.*` with their types (from the registry table), and `away`.
    static let residentTypes: [String: StaticType] =
        RegistryField.ruleFields(under: "resident").mapValues { StaticType($0.spec.type) }.merging(["away": .bool]) { $1 }

    /// The names of `resident.*` in the registry table's order, then `away` (for messages).
    static let residentNames: [String] = RegistryField.allCases.compactMap { field in
        field.spec.ruleName.flatMap { $0.hasPrefix("resident.") ? String($0.dropFirst("resident.".count)) : nil }
    } + ["away"]

    /// The closest candidate within two edits, for "did you mean" hints.
    static func suggestion(for word: String, among candidates: some Sequence<String>) -> String? {
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(word, candidate)
            if distance <= 2, distance < (best?.1 ?? .max) { best = (candidate, distance) }
        }
        return best?.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var row = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = row
        }
        return previous[b.count]
    }
}
