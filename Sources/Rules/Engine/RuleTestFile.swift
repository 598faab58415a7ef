import FoundationEssentials
import Vocabulary

/// A parsed rule test file (see docs/rules.md, "Testing rules").
struct RuleTestFile {
    var fileName: String
    /// Directory that relative paths in the file (recordings) are resolved against.
    var baseDirectory: String
    var rulePaths: [String] = []
    var rulesLine = 0
    /// The topic layout (`layout "{community}/{kind}/{device}/{channel}"`).
    var layout = TopicLayout.standard
    var devices: [DeviceRecord] = []
    /// Registry CSV files (`devices "../devices.csv"`), read before the inline `device` lines.
    var registryFiles: [(path: String, line: Int)] = []
    /// Engine time of offset 0.
    var start: EpochMillis = 1_763_856_000_000
    /// Tick interval.
    var step: EpochMillis = 1_000
    var cases: [Case] = []
    var failures: [RuleTestFailure] = []

    struct Input {
        enum Kind {
            case publish(topic: String, payload: JSONObject, text: String)
            case away(device: String, until: EpochMillis?)
            case tick
        }
        var offset: EpochMillis
        var kind: Kind
        var line: Int
        /// The recording the input was read from (`at OFFSET replay`); nil for the test file itself.
        var file: String? = nil
    }

    struct Expectation {
        var offset: EpochMillis
        var effect: String
        var eventKey: String
        var level: String?
        var count: Int?
        var title: String?
        var teams: [String]?
        /// `life_safety true|false`: whether the raise carries the rule's `life_safety` mark.
        var lifeSafety: Bool?
        /// `escalation "120s unless acknowledged: medical report in; …"`: the raise's escalation chain.
        var escalation: String?
        var line: Int
        var text: String

        func matches(_ observed: RuleTestRunner.Observed) -> Bool {
            let a = observed.action
            return "\(a.effect)" == effect && a.eventKey == eventKey && (level.map { $0 == a.level.rawValue } ?? true)
                && (count.map { $0 == observed.count } ?? true) && (title.map { $0 == a.title } ?? true)
                && (teams.map { $0 == a.teams } ?? true) && (lifeSafety.map { $0 == a.lifeSafety } ?? true)
                && (escalation.map { $0 == a.escalation.map(\.description).joined(separator: "; ") } ?? true)
        }
    }

    struct Case {
        var name: String
        var line: Int
        var inputs: [Input] = []
        var expectations: [Expectation] = []
        var ignored: Set<String> = []
        /// Offset of the last `at` line, which the next one may not precede.
        var lastInputLineOffset: EpochMillis = 0
    }

    init(fileName: String, baseDirectory: String = ".") {
        self.fileName = fileName
        self.baseDirectory = baseDirectory
    }

    mutating func fail(_ line: Int, _ message: String) {
        failures.append(RuleTestFailure(file: fileName, line: line, testCase: cases.last?.name ?? "", message: message))
    }

    /// `90s`, `2m`, `48h`, `1h30m`, `0`.
    static func parseOffset(_ text: String) -> EpochMillis? {
        if text == "0" { return 0 }
        var total: EpochMillis = 0
        var number = ""
        var scalars = Array(text.unicodeScalars)[...]
        guard !scalars.isEmpty else { return nil }
        while let c = scalars.first {
            if ("0"..."9").contains(c) || c == "." {
                number.unicodeScalars.append(c)
                scalars = scalars.dropFirst()
                continue
            }
            var unit = ""
            while let u = scalars.first, u.properties.isAlphabetic {
                unit.unicodeScalars.append(u)
                scalars = scalars.dropFirst()
            }
            let factors: [String: Double] = ["ms": 1, "s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000]
            guard let value = Double(number), let factor = factors[unit], value * factor < 1e15 else { return nil }
            total += EpochMillis(value * factor)
            guard total < 1_000_000_000_000_000 else { return nil }
            number = ""
        }
        return number.isEmpty ? total : nil
    }

    static func formatOffset(_ millis: EpochMillis) -> String {
        if millis == 0 { return "0s" }
        var out = millis < 0 ? "-" : ""
        var rest = abs(millis)
        for (unit, size) in [("d", EpochMillis(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)] where rest >= size {
            out += "\(rest / size)\(unit)"
            rest %= size
        }
        return out
    }

    /// Splits a line into words and quoted strings; a `{` starts a JSON payload that runs to the end of the line.
    static func words(_ line: Substring) -> (words: [String], json: String?)? {
        var words: [String] = []
        var i = line.startIndex
        while i < line.endIndex {
            let c = line[i]
            if c == " " || c == "\t" { i = line.index(after: i); continue }
            if c == "#" { break }
            if c == "{" { return (words, String(line[i...])) }
            if c == "\"" {
                var value = ""
                var j = line.index(after: i)
                var closed = false
                while j < line.endIndex {
                    if line[j] == "\\", line.index(after: j) < line.endIndex {
                        j = line.index(after: j)
                        value.append(line[j])
                    } else if line[j] == "\"" {
                        closed = true
                        break
                    } else {
                        value.append(line[j])
                    }
                    j = line.index(after: j)
                }
                guard closed else { return nil }
                words.append(value)
                i = line.index(after: j)
                continue
            }
            var j = i
            while j < line.endIndex, line[j] != " ", line[j] != "\t" {
                if line[j] == "=", line.index(after: j) < line.endIndex, line[line.index(after: j)] == "\"" {
                    // key="quoted value"
                    var value = ""
                    var k = line.index(j, offsetBy: 2)
                    while k < line.endIndex, line[k] != "\"" {
                        value.append(line[k])
                        k = line.index(after: k)
                    }
                    words.append(String(line[i...j]) + value)
                    j = k < line.endIndex ? line.index(after: k) : k
                    i = j
                    break
                }
                j = line.index(after: j)
            }
            if i != j { words.append(String(line[i..<j])) }
            i = j
        }
        return (words, nil)
    }

    mutating func parse(_ text: String) {
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = number + 1
            guard let (w, json) = Self.words(rawLine) else {
                fail(line, "unterminated quoted string")
                continue
            }
            guard let keyword = w.first else { continue }
            switch keyword {
            case "rules":
                rulesLine = line
                rulePaths += w.dropFirst()
            case "layout":
                guard w.count == 2 else {
                    fail(line, "expected 'layout \"{community}/{kind}/{device}/{channel}\"'")
                    continue
                }
                do {
                    layout = try TopicLayout(pattern: w[1])
                } catch {
                    fail(line, error.message)
                }
            case "start":
                guard w.count == 2, let date = try? Date(w[1], strategy: .iso8601) else {
                    fail(line, "expected 'start 2026-11-23T09:00:00+08:00'")
                    continue
                }
                start = EpochMillis(date.timeIntervalSince1970 * 1000)
            case "step":
                guard w.count == 2, let step = Self.parseOffset(w[1]), step > 0 else {
                    fail(line, "expected 'step 1s'")
                    continue
                }
                self.step = step
            case "devices":
                guard w.count == 2 else {
                    fail(line, "expected 'devices \"FILE.csv\"'")
                    continue
                }
                registryFiles.append((w[1], line))
            case "device":
                guard w.count >= 2 else {
                    fail(line, "expected 'device ID key=value …'")
                    continue
                }
                if let record = parseDevice(w, line: line) { devices.append(record) }
            case "case":
                guard w.count == 2 else {
                    fail(line, "expected 'case \"name\"'")
                    continue
                }
                cases.append(Case(name: w[1], line: line))
            case "ignore":
                guard !cases.isEmpty else { fail(line, "'ignore' belongs inside a case"); continue }
                for word in w.dropFirst() {
                    guard ["raise", "clear", "downgrade", "renotify"].contains(word) else {
                        fail(line, "unknown effect '\(word)'")
                        continue
                    }
                    cases[cases.count - 1].ignored.insert(word)
                }
            case "at":
                parseInput(w, json: json, line: line)
            case "expect":
                parseExpectation(w, line: line, text: String(rawLine).trimmingWhitespace())
            default:
                fail(line, "unknown line '\(keyword)' (expected rules, layout, start, step, devices, device, case, at, expect or ignore)")
            }
        }
        // Replayed messages may run past later `at` lines: order each case's inputs by time, stably.
        for index in cases.indices {
            cases[index].inputs = cases[index].inputs.enumerated()
                .sorted { ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset) }.map(\.element)
        }
        if cases.isEmpty { fail(0, "no test cases ('case \"name\"')") }
        if rulePaths.isEmpty { fail(0, "no 'rules FILE' line") }
    }

    private mutating func parseDevice(_ w: [String], line: Int) -> DeviceRecord? {
        var record = DeviceRecord(id: w[1])
        for pair in w.dropFirst(2) {
            guard let eq = pair.firstIndex(of: "=") else {
                fail(line, "expected key=value, found '\(pair)'")
                return nil
            }
            let key = String(pair[..<eq]), value = String(pair[pair.index(after: eq)...])
            switch key {
            case "report_interval":
                guard let seconds = Self.parseOffset(value) ?? Int64(value).map({ $0 * 1000 }) else {
                    fail(line, "bad report_interval '\(value)'")
                    return nil
                }
                record.reportIntervalSeconds = seconds / 1000
            case "lives_alone": record.livesAlone = ["true", "yes", "1"].contains(value.lowercased())
            default:
                // The registry's columns by their CSV names (`resident_name=…`, `latitude=31.2`); others are the operator's own.
                if let field = RegistryField(column: key), record.setText(value, of: field) { continue }
                if let field = RegistryField(column: key), let range = field.spec.range {
                    guard let number = Double(value), range.contains(number) else {
                        fail(line, "bad \(key) '\(value)'")
                        return nil
                    }
                    _ = record.setNumber(number, of: field)
                    continue
                }
                record.extra[key] = value
            }
        }
        return record
    }

    private mutating func parseInput(_ w: [String], json: String?, line: Int) {
        guard !cases.isEmpty else { return fail(line, "'at' belongs inside a case") }
        guard w.count >= 3, let offset = Self.parseOffset(w[1]) else { return fail(line, "expected 'at OFFSET publish|replay|away|tick …'") }
        guard cases[cases.count - 1].lastInputLineOffset <= offset else { return fail(line, "inputs must be in time order") }
        cases[cases.count - 1].lastInputLineOffset = offset
        var kind: Input.Kind
        switch w[2] {
        case "publish":
            guard w.count == 4, let json else { return fail(line, "expected 'at 0s publish \"TOPIC\" {JSON}'") }
            guard let payload = Self.decodeObject(json) else { return fail(line, "payload is not a JSON object: \(json)") }
            kind = .publish(topic: w[3], payload: payload, text: json.trimmingWhitespace())
        case "away":
            // at 0s away DEVICE until 72h  |  at 5h away DEVICE none
            if w.count == 5, w[4] == "none" || w[4] == "off" {
                kind = .away(device: w[3], until: nil)
            } else if w.count == 6, w[4] == "until", let until = Self.parseOffset(w[5]) {
                kind = .away(device: w[3], until: until)
            } else {
                return fail(line, "expected 'at OFFSET away DEVICE until OFFSET' or 'at OFFSET away DEVICE none'")
            }
        case "replay":
            guard w.count == 4, json == nil else { return fail(line, "expected 'at OFFSET replay \"RECORDING\"'") }
            return appendReplay(of: w[3], at: offset, line: line)
        case "tick":
            kind = .tick
        default:
            return fail(line, "unknown input '\(w[2])' (publish, replay, away or tick)")
        }
        cases[cases.count - 1].inputs.append(Input(offset: offset, kind: kind, line: line))
    }

    private mutating func parseExpectation(_ w: [String], line: Int, text: String) {
        guard !cases.isEmpty else { return fail(line, "'expect' belongs inside a case") }
        guard w.count >= 5, w[1] == "at", let offset = Self.parseOffset(w[2]),
              ["raise", "clear", "downgrade", "renotify"].contains(w[3]) else {
            return fail(line, "expected 'expect at OFFSET raise|clear|downgrade|renotify EVENTKEY [level L] [count N] [title \"…\"] [teams \"a,b\"] [life_safety true|false] [escalation \"…\"]'")
        }
        var expectation = Expectation(offset: offset, effect: w[3], eventKey: w[4], line: line, text: text)
        var i = 5
        while i + 1 < w.count {
            switch w[i] {
            case "level": expectation.level = w[i + 1]
            case "count":
                guard let n = Int(w[i + 1]) else { return fail(line, "bad count '\(w[i + 1])'") }
                expectation.count = n
            case "title": expectation.title = w[i + 1]
            case "teams": expectation.teams = w[i + 1].split(separator: ",").map { $0.trimmingWhitespace() }
            case "life_safety":
                guard let flag = ["true": true, "false": false][w[i + 1]] else { return fail(line, "bad life_safety '\(w[i + 1])' (true or false)") }
                expectation.lifeSafety = flag
            case "escalation": expectation.escalation = w[i + 1]
            default: return fail(line, "unknown attribute '\(w[i])' (level, count, title, teams, life_safety, escalation)")
            }
            i += 2
        }
        if i != w.count { return fail(line, "attribute '\(w[i])' needs a value") }
        cases[cases.count - 1].expectations.append(expectation)
    }

    /// Decodes a payload with the daemon's parser, or Foundation's while that is unavailable.
    static func decodeObject(_ json: String) -> JSONObject? {
        if let object = try? JSONParser.parseObject(Array(json.utf8)) { return object }
        guard let data = json.data(using: .utf8), let value = try? JSONDecoder().decode(DecodedJSON.self, from: data),
              case .object(let object) = value.value else { return nil }
        return object
    }

    private struct DecodedJSON: Decodable {
        var value: JSONValue
        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
        init(from decoder: Decoder) throws {
            if var array = try? decoder.unkeyedContainer() {
                var items: [JSONValue] = []
                while !array.isAtEnd { items.append(try array.decode(DecodedJSON.self).value) }
                value = .array(items)
            } else if let object = try? decoder.container(keyedBy: Key.self) {
                var fields: [(key: String, value: JSONValue)] = []
                for key in object.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
                    fields.append((key.stringValue, try object.decode(DecodedJSON.self, forKey: key).value))
                }
                value = .object(JSONObject(fields))
            } else {
                let single = try decoder.singleValueContainer()
                if single.decodeNil() { value = .null }
                else if let b = try? single.decode(Bool.self) { value = .bool(b) }
                else if let d = try? single.decode(Double.self) { value = .number(d) }
                else { value = .string(try single.decode(String.self)) }
            }
        }
    }
}
