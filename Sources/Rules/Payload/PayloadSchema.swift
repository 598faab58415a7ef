/// Declared payload fields per device kind: each field's JSON type and its range or allowed values.
///
/// A device's payload is the device's word about the world; a value no sensor can report (`battery_pct`
/// 250, `temperature_c` −900, `state` "melting") or a number sent as a string is not evidence of anything.
/// The daemon checks every message of a declared kind against this table before the rules see it, rejects
/// the offending fields (counted and sampled, see `lookout rejects`) and evaluates the rest, so that a
/// smoke alarm with a broken thermometer is still a smoke alarm. Fields a kind does not declare pass
/// unchecked (vendors add fields); kinds without a declaration are unknown (a topic names any kind it likes).
///
/// The check looks each payload key up in a small per-kind table keyed by the key's UTF-8 length:
/// no string hashing, no allocation unless something is wrong. Built from the shipped table
/// (`PayloadSchema.shippedText`) and, optionally, an operator's file in the same syntax (see `PayloadSchema+Text.swift`).
public struct PayloadSchema: Sendable, Equatable {
    /// What one declared field may hold.
    public struct Field: Sendable, Equatable {
        /// The JSON type it must have.
        public enum ValueType: String, Sendable, Equatable {
            /// Any finite JSON number.
            case number
            /// A JSON number without a fractional part.
            case integer
            /// `true` or `false`.
            case bool
            /// A JSON string.
            case string
            /// Not checked (an operator's file uses it to lift a shipped declaration).
            case any
        }
        /// Field name as it appears in the payload.
        public var name: String { didSet { nameLength = PayloadSchema.decisiveLength(of: name) } }
        /// `name`'s UTF-8 length when a payload key of another length cannot equal it (see `decisiveLength(of:)`),
        /// else -1: a name of decisive length goes into its kind's key table (`Kind.keyTable`), the others are
        /// compared with every key.
        private(set) var nameLength: Int
        /// Its type.
        public var type: ValueType
        /// Inclusive bounds for numbers; nil: any finite value.
        public var range: ClosedRange<Double>?
        /// Allowed values for strings; empty: any string.
        public var allowed: [String]

        /// Creates a declaration.
        public init(name: String, type: ValueType, range: ClosedRange<Double>? = nil, allowed: [String] = []) {
            self.name = name
            self.nameLength = PayloadSchema.decisiveLength(of: name)
            self.type = type
            self.range = range
            self.allowed = allowed
        }

        /// The declaration in the file syntax (`number -50..150`, `one of alarm, normal`).
        public var specification: String {
            if !allowed.isEmpty { return "one of " + allowed.joined(separator: ", ") }
            guard let range else { return type.rawValue }
            return "\(type.rawValue) \(Self.format(range.lowerBound))..\(Self.format(range.upperBound))"
        }

        /// A bound without a needless `.0`.
        static func format(_ value: Double) -> String {
            value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        }

        /// Why `value` does not fit, or nil when it does.
        @inline(__always)
        func problem(with value: JSONValue) -> PayloadViolation.Problem? {
            switch type {
            case .any:
                return nil
            case .number:
                // Apart from `.integer`: the rounding call there made the compiler copy the declaration around it
                // for every number checked.
                guard case .number(let number) = value else { return .wrongType }
                if let range, !range.contains(number) { return .outOfRange }
                return nil
            case .integer:
                guard case .number(let number) = value else { return .wrongType }
                if number != number.rounded() { return .wrongType }
                if let range, !range.contains(number) { return .outOfRange }
                return nil
            case .bool:
                guard case .bool = value else { return .wrongType }
                return nil
            case .string:
                guard case .string(let text) = value else { return .wrongType }
                if !allowed.isEmpty, !allowed.contains(text) { return .notAllowed }
                return nil
            }
        }
    }

    /// The fields of one kind, the kind's own and those of `[all]` it does not redeclare.
    public struct Kind: Sendable, Equatable {
        /// Kind name as in the topic (`smoke`).
        public var name: String { didSet { nameLength = PayloadSchema.decisiveLength(of: name) } }
        /// Declared fields, in declaration order.
        public var fields: [Field] { didSet { (fieldNames, keyTable, undecided) = Self.lookup(fields) } }
        /// See `Field.nameLength`.
        private(set) var nameLength: Int
        /// Name of each field, in `fields` order: `fieldIndex` compares these, not the fields (whose every read
        /// is a copy).
        private(set) var fieldNames: [String]
        /// Open-addressing table of the fields with a decisive name (see `decisiveLength(of:)`), hashed by the
        /// name's `keyTag`: an entry is the tag in the high 32 bits and field index + 1 in the low ones, 0 an
        /// empty slot. A payload key finds its declaration in a slot or two, compared as integers first.
        private(set) var keyTable: [UInt64]
        /// Positions of the fields whose name is not decisive: compared with every key.
        private(set) var undecided: [Int]

        init(name: String, fields: [Field]) {
            self.name = name
            self.fields = fields
            self.nameLength = PayloadSchema.decisiveLength(of: name)
            (fieldNames, keyTable, undecided) = Self.lookup(fields)
        }

        /// `fieldNames`, `keyTable` and `undecided` for `fields`.
        private static func lookup(_ fields: [Field]) -> ([String], [UInt64], [Int]) {
            var size = 8
            while size < 2 * fields.count { size *= 2 }
            var table = [UInt64](repeating: 0, count: size)
            var undecided: [Int] = []
            for (index, field) in fields.enumerated() {
                guard field.nameLength >= 0 else { undecided.append(index); continue }
                let tag = keyTag(field.name)
                var slot = keySlot(tag, mask: size - 1)
                while table[slot] != 0 { slot = (slot + 1) & (size - 1) }
                table[slot] = tag << 32 | UInt64(index + 1)
            }
            return (fields.map(\.name), table, undecided)
        }

        /// A key's UTF-8 length: equal for a key and a decisive name that are `==`. (Not also the first byte:
        /// reading it costs more than comparing the few names of equal length, small strings of which differ fast.)
        @inline(__always)
        static func keyTag(_ key: String) -> UInt64 {
            UInt64(truncatingIfNeeded: min(key.utf8.count, 0xFFFF_FFFF))
        }

        /// The table slot a tag is looked for first.
        @inline(__always)
        static func keySlot(_ tag: UInt64, mask: Int) -> Int {
            Int(truncatingIfNeeded: (tag &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
        }

        /// Position in `fields` of the declaration of payload key `key`, nil when the kind declares none.
        @inline(__always)
        func fieldIndex(_ key: String) -> Int? {
            let tag = Self.keyTag(key)
            let found: Int? = keyTable.withUnsafeBufferPointer { table in
                let mask = table.count - 1
                var slot = Self.keySlot(tag, mask: mask)
                while table[slot] != 0 {
                    if table[slot] >> 32 == tag {
                        let index = Int(truncatingIfNeeded: table[slot] & 0xFFFF_FFFF) - 1
                        if fieldNames[index] == key { return index }
                    }
                    slot = (slot + 1) & mask
                }
                return nil
            }
            if let found { return found }
            for index in undecided where fieldNames[index] == key { return index }
            return nil
        }
    }

    /// Fields every kind may send (`[all]`), kept so that a kind added later gets them.
    public private(set) var common: [Field]
    /// Declared kinds, in declaration order.
    public private(set) var kinds: [Kind]

    /// A schema from declarations: `common` fields apply to every kind that does not declare the name itself.
    public init(common: [Field], kinds: [(name: String, fields: [Field])]) {
        self.common = common
        self.kinds = []
        for kind in kinds { declare(kind: kind.name, fields: kind.fields) }
    }

    /// Adds `fields` to `kind` (creating it), each replacing an earlier declaration of the same name.
    mutating func declare(kind name: String, fields: [Field]) {
        let index: Int
        if let existing = kinds.firstIndex(where: { $0.name == name }) {
            index = existing
        } else {
            kinds.append(Kind(name: name, fields: common))
            index = kinds.count - 1
        }
        for field in fields { Self.put(field, into: &kinds[index].fields) }
    }

    /// Adds `fields` to `[all]` and to every kind that has not declared them itself.
    mutating func declareCommon(_ fields: [Field]) {
        for field in fields {
            let previous = common.first { $0.name == field.name }
            Self.put(field, into: &common)
            for index in kinds.indices {
                let own = kinds[index].fields.first { $0.name == field.name }
                if own == nil || own == previous { Self.put(field, into: &kinds[index].fields) }
            }
        }
    }

    private static func put(_ field: Field, into fields: inout [Field]) {
        if let index = fields.firstIndex(where: { $0.name == field.name }) { fields[index] = field } else { fields.append(field) }
    }

    /// The UTF-8 length of `name` when it alone decides that a key of another length is not `==` to it, else -1.
    /// `==` is canonical equivalence, under which texts of different lengths can be equal; but a text equal to
    /// an ASCII name without `K`, `;` and `` ` `` (the only ASCII characters a non-ASCII one, such as the Kelvin
    /// sign, decomposes to) is that name's own bytes.
    static func decisiveLength(of name: String) -> Int {
        name.utf8.allSatisfy({ $0 < 0x80 && $0 != UInt8(ascii: "K") && $0 != UInt8(ascii: ";") && $0 != UInt8(ascii: "`") })
            ? name.utf8.count : -1
    }

    /// `key == name`, without the comparison when `nameLength` (`decisiveLength(of: name)`) rules it out.
    @inline(__always)
    static func equal(_ key: String, _ name: String, nameLength: Int) -> Bool {
        (nameLength < 0 || nameLength == key.utf8.count) && key == name
    }

    /// Position of `kind` in `kinds`, nil when the kind is not declared.
    @inline(__always)
    public func kindIndex(_ kind: String) -> Int? {
        // Through the pointer: reading `kinds[index]` would copy the kind (four reference counts per kind).
        kinds.withUnsafeBufferPointer { kinds in
            for index in kinds.indices where Self.equal(kind, kinds[index].name, nameLength: kinds[index].nameLength) { return index }
            return nil
        }
    }

    /// The declaration of `field` for the kind at `kindIndex`, nil when it has none.
    public func field(_ field: String, kind kindIndex: Int) -> Field? {
        kinds[kindIndex].fields.first { $0.name == field }
    }

    /// Every payload field of `payload` that does not fit the kind at `kindIndex`, in payload order.
    /// Empty (no allocation) when the payload fits.
    public func violations(in payload: JSONObject, kind kindIndex: Int) -> [PayloadViolation] {
        var found: [PayloadViolation] = []
        // Through the pointers: the kind and its declarations are read in place (a copy costs reference counts).
        kinds.withUnsafeBufferPointer { kinds in
            let kind = kinds.baseAddress! + kindIndex
            kind.pointee.fields.withUnsafeBufferPointer { declared in
                for position in payload.fields.indices {
                    guard let index = kind.pointee.fieldIndex(payload.fields[position].key),
                          let problem = (declared.baseAddress! + index).pointee.problem(with: payload.fields[position].value) else { continue }
                    found.append(PayloadViolation(position: position, field: declared[index], value: payload.fields[position].value,
                                                  problem: problem))
                }
            }
        }
        return found
    }
}

/// One payload field that does not fit its declaration.
public struct PayloadViolation: Sendable, Equatable {
    /// What is wrong with it.
    public enum Problem: Sendable, Equatable {
        /// Not the declared JSON type (a number sent as a string).
        case wrongType
        /// A number outside the declared range.
        case outOfRange
        /// A string that is not one of the declared values.
        case notAllowed
    }
    /// Index of the field in the payload's `fields`.
    public var position: Int
    /// The declaration it broke.
    public var field: PayloadSchema.Field
    /// The value sent.
    public var value: JSONValue
    /// What is wrong.
    public var problem: Problem

    /// The reject reason code: `wrong_type` for a type mismatch, `implausible_value` for a value out of range
    /// or not among the allowed ones.
    public var reason: String { problem == .wrongType ? PayloadSchema.wrongTypeReason : PayloadSchema.implausibleValueReason }

    /// One line naming the field and the value (JSON, shortened; not sanitised for a terminal):
    /// `temperature_c = -900: outside -50..150`.
    public var detail: String {
        var text = value.jsonText
        if text.count > 40 { text = String(text.prefix(40)) + "…" }
        let why: String
        switch problem {
        case .wrongType: why = "expected \(field.type == .integer ? "an integer" : "a \(field.type.rawValue)"), got \(value.typeName)"
        case .outOfRange: why = "outside \(field.specification.split(separator: " ").last ?? "")"
        case .notAllowed: why = "not \(field.specification)"
        }
        return "\(field.name) = \(text): \(why)"
    }
}

extension PayloadSchema {
    /// Reject reason: a declared field of the wrong JSON type.
    public static let wrongTypeReason = "wrong_type"
    /// Reject reason: a declared field whose value no device of the kind can report.
    public static let implausibleValueReason = "implausible_value"
}

extension JSONValue {
    /// The JSON type's name, for messages.
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a bool"
        case .number(let number): number == number.rounded() ? "a number" : "a fraction"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
