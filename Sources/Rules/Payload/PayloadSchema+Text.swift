/// The payload schema's file syntax (the shipped table and `[payloads] schema` in lookoutd.conf):
///
/// ```
/// [all]                      # fields every kind may send
/// battery_pct = number 0..100
/// [smoke]                    # a kind: declares it known, with its fields
/// temperature_c = number -50..150
/// state = one of alarm, normal, removed, installed
/// code = string
/// [gas]                      # an operator's own kind, no fields of its own
/// ```
/// A field is `number`, `integer`, `bool`, `string` or `any` (not checked); numbers may take `MIN..MAX`
/// (inclusive), strings `one of A, B, C`. A later line for the same kind and field replaces the earlier one,
/// so an operator's file extends or overrides the shipped table; `[all]` fields apply to every kind that does
/// not declare the field itself. `#` starts a comment.
extension PayloadSchema {
    /// Problems in a schema file, one per line.
    public struct ParseError: FileIssueList, Equatable {
        /// The problems, in file order.
        public var issues: [FileIssue]
    }

    /// The shipped declarations for the four kinds of docs/domain.md (manhole, smoke, door, sos) and the status
    /// channel every kind uses. Ranges are what the sensors can physically report, with room to spare:
    /// they catch broken sensors and forged payloads, not unusual readings.
    public static let shippedText = """
        [all]
        ts = number
        online = bool
        battery_pct = number 0..100
        event = string
        state = one of alarm, normal

        [manhole]
        event = one of cover_tilt, water_overrun, gas
        tilt_deg = number 0..180
        water_overrun = bool
        ch4_pct_lel = number 0..100
        h2s_ppm = number 0..1000
        battery_v = number 0..12
        rsrp_dbm = number -160..0

        [smoke]
        event = one of smoke, fault, low_battery, tamper, self_test, silenced
        state = one of alarm, normal, removed, installed
        concentration_pct = number 0..100
        temperature_c = number -50..150
        code = string
        result = one of pass, fail
        duration_s = number 0..86400

        [door]
        event = one of access, door_forced, door_held_open, door_closed, tamper
        result = one of granted, denied
        method = string
        door = integer 0..1000
        direction = one of in, out
        credential = string
        reason = string
        open_s = number 0..31536000
        part = string

        [sos]
        event = one of sos, sos_cancel
        press = one of short, long, double
        """

    /// The shipped schema.
    public static let shipped: PayloadSchema = {
        do {
            return try PayloadSchema(common: [], kinds: []).adding(text: shippedText, file: "shipped payload schema")
        } catch {
            preconditionFailure("the shipped payload schema does not parse: \(error)")
        }
    }()

    /// This schema with the declarations of `text` (a file's contents) added on top.
    public func adding(text: String, file: String) throws(ParseError) -> PayloadSchema {
        var schema = self
        var issues: [FileIssue] = []
        var section: String?
        var commonLines: [Field] = []
        var kindLines: [(String, [Field])] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            func report(_ message: String) { issues.append(FileIssue(file: file, line: index + 1, message: message)) }
            var line = Substring(rawLine)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let trimmed = line.trimmingSpaces
            if trimmed.isEmpty { continue }
            if trimmed.hasPrefix("[") {
                guard trimmed.hasSuffix("]") else {
                    report("malformed section header '\(trimmed)': expected '[kind]' or '[all]'")
                    continue
                }
                let name = trimmed.dropFirst().dropLast().trimmingSpaces
                guard Self.isName(name) else {
                    report("'\(name)' is not a kind name (letters, digits, '_' and '-')")
                    section = nil
                    continue
                }
                section = String(name)
                if name != "all", !kindLines.contains(where: { $0.0 == name }) { kindLines.append((String(name), [])) }
                continue
            }
            guard let equals = trimmed.firstIndex(of: "=") else {
                report("expected 'field = type', e.g. 'battery_pct = number 0..100'")
                continue
            }
            guard let section else {
                report("a field outside of any [kind] section")
                continue
            }
            let name = trimmed[..<equals].trimmingSpaces
            guard Self.isName(name) else {
                report("'\(name)' is not a field name (letters, digits, '_' and '-')")
                continue
            }
            switch Self.parseField(String(name), trimmed[trimmed.index(after: equals)...].trimmingSpaces) {
            case .success(let field):
                if section == "all" {
                    commonLines.append(field)
                } else if let at = kindLines.firstIndex(where: { $0.0 == section }) {
                    kindLines[at].1.append(field)
                }
            case .failure(let error):
                report(error.message)
            }
        }
        guard issues.isEmpty else { throw ParseError(issues: issues) }
        schema.declareCommon(commonLines)
        for (kind, fields) in kindLines { schema.declare(kind: kind, fields: fields) }
        return schema
    }

    /// A field declaration from its text (`number -50..150`, `one of a, b`), or why it is not one.
    static func parseField(_ name: String, _ text: Substring) -> Result<Field, FieldSyntaxError> {
        let usage = "expected number, integer, bool, string or any; numbers may take MIN..MAX, strings 'one of A, B'"
        if text.hasPrefix("one of") {
            let values = text.dropFirst("one of".count).split(separator: ",").map { String($0.trimmingSpaces) }
            guard !values.isEmpty, !values.contains(where: \.isEmpty) else {
                return .failure(FieldSyntaxError("\(name): 'one of' needs values separated by commas"))
            }
            return .success(Field(name: name, type: .string, allowed: values))
        }
        let words = text.split(separator: " ", omittingEmptySubsequences: true)
        guard let first = words.first, let type = Field.ValueType(rawValue: String(first)), words.count <= 2 else {
            return .failure(FieldSyntaxError("\(name): '\(text)': \(usage)"))
        }
        guard words.count == 2 else { return .success(Field(name: name, type: type)) }
        guard type == .number || type == .integer else {
            return .failure(FieldSyntaxError("\(name): only number and integer take a range, not \(type.rawValue)"))
        }
        let bounds = words[1].split(separator: "..", omittingEmptySubsequences: false)
        guard bounds.count == 2, let low = Double(bounds[0]), let high = Double(bounds[1]), low.isFinite, high.isFinite else {
            return .failure(FieldSyntaxError("\(name): the range must be MIN..MAX with two numbers, not '\(words[1])'"))
        }
        guard low <= high else { return .failure(FieldSyntaxError("\(name): the range \(words[1]) is empty (MIN above MAX)")) }
        return .success(Field(name: name, type: type, range: low...high))
    }

    /// Why a field declaration does not parse.
    struct FieldSyntaxError: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    private static func isName(_ text: Substring) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" || first == "\r" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" || last == "\r" { text = text.dropLast() }
        return text
    }
}
