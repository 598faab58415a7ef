import Foundation

/// One problem in a registry CSV file (line: where the offending record starts; 0: the whole file).
public typealias DeviceRegistryIssue = FileIssue

/// A registry file that cannot be used, with every problem found (at most `maximumIssues`).
public struct DeviceRegistryError: FileIssueList, Sendable, Equatable {
    /// The problems in file order.
    public var issues: [DeviceRegistryIssue]
    /// Creates an error.
    public init(issues: [DeviceRegistryIssue]) { self.issues = issues }
}

/// Loading the registry from the operators' CSV export (RFC 4180, UTF-8, header row).
///
/// Columns by header name (case-insensitive, any order): `id` (required), `kind`, `community`, `building`,
/// `unit`, `address`, `grid`, `owner`, `report_interval_s`, `resident_name`, `resident_phone`, `lives_alone`,
/// `emergency_contact`; any other column goes to `DeviceRecord.extra` under its header name.
/// Quoted fields may contain commas, newlines and doubled quotes; a UTF-8 byte order mark is skipped.
extension DeviceRegistry {
    /// Most problems reported from one file.
    public static let maximumIssues = 50

    /// Reads and parses the CSV file at `path`.
    public static func load(csvFile path: String) throws(DeviceRegistryError) -> DeviceRegistry {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DeviceRegistryError(issues: [DeviceRegistryIssue(file: path, line: 0, message: "cannot read registry file")])
        }
        let bytes = [UInt8](data)
        let valid = bytes.withUnsafeBytes { UTF8Validation.firstInvalidOffset(in: $0) == nil }
        guard valid else {
            throw DeviceRegistryError(issues: [DeviceRegistryIssue(file: path, line: 0, message: "registry file is not valid UTF-8")])
        }
        return try DeviceRegistry(csvBytes: bytes, fileName: path)
    }

    /// Parses CSV text; `fileName` is used in messages.
    public init(csv text: String, fileName: String = "devices.csv") throws(DeviceRegistryError) {
        try self.init(csvBytes: Array(text.utf8), fileName: fileName)
    }

    /// Parses valid UTF-8 CSV in one pass: each row becomes a record at once (no table of rows, no
    /// dictionary per row), and equal values are shared between records (`DeviceRecordInterner`).
    init(csvBytes bytes: [UInt8], fileName: String) throws(DeviceRegistryError) {
        var issues: [DeviceRegistryIssue] = []
        var reader = CSVReader(bytes: bytes)
        var fields: [String] = []
        guard let headerLine = reader.nextRow(into: &fields, fileName: fileName, issues: &issues) else {
            issues.append(DeviceRegistryIssue(file: fileName, line: 0, message: "registry file has no header row"))
            throw DeviceRegistryError(issues: issues)
        }
        let columns = fields.map { $0.trimmingHorizontalWhitespace().lowercased() }
        var columnIndex: [String: Int] = [:]
        for (index, name) in columns.enumerated() {
            if name.isEmpty {
                issues.append(DeviceRegistryIssue(file: fileName, line: headerLine, message: "header column \(index + 1) has no name"))
            } else if columnIndex[name] != nil {
                issues.append(DeviceRegistryIssue(file: fileName, line: headerLine, message: "header names column '\(name)' twice"))
            } else {
                columnIndex[name] = index
            }
        }
        guard columnIndex["id"] != nil else {
            issues.append(DeviceRegistryIssue(file: fileName, line: headerLine, message: "header has no 'id' column (columns: \(columns.joined(separator: ", ")))"))
            throw DeviceRegistryError(issues: issues)
        }
        let layout = RegistryColumns(columnIndex)
        let expectedRows = bytes.reduce(into: 0) { count, byte in if byte == 0x0A { count += 1 } }
        var devices: [String: DeviceRecord] = [:]
        devices.reserveCapacity(expectedRows)
        /// Rows that repeat an id listed earlier, by the position of their issue; the line of the first
        /// listing is looked up at the end.
        var repeated: [(id: String, issue: Int)] = []
        var interner = DeviceRecordInterner()
        while issues.count < Self.maximumIssues, let line = reader.nextRow(into: &fields, fileName: fileName, issues: &issues) {
            func report(_ message: String) { issues.append(DeviceRegistryIssue(file: fileName, line: line, message: message)) }
            guard fields.count == columns.count else {
                report("row has \(fields.count) fields but the header has \(columns.count)")
                continue
            }
            for index in fields.indices { fields[index] = fields[index].trimmingHorizontalWhitespace() }
            switch layout.record(from: fields) {
            case .failure(let problem):
                report(problem.message)
            case .success(let values):
                if devices[values.id] != nil {
                    repeated.append((values.id, issues.count))
                    report("device '\(values.id)' is already listed")
                    continue
                }
                devices[values.id] = DeviceRecord(values, interner: &interner)
            }
        }
        if !repeated.isEmpty {
            let firstLines = Self.firstLines(of: Set(repeated.map(\.id)), in: bytes, columns: columns.count, layout: layout)
            for (id, issue) in repeated { issues[issue].message = "device '\(id)' is already listed on line \(firstLines[id] ?? 0)" }
        }
        guard issues.isEmpty else {
            let ordered = issues.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element)
            throw DeviceRegistryError(issues: Array(ordered.prefix(Self.maximumIssues)))
        }
        self.init(devices: devices, extraColumns: devices.isEmpty ? [] : Set(layout.extra.map(\.name)))
        sourceDigest = Self.digest(of: bytes)
    }
}

extension DeviceRegistry {
    /// A 64-bit multiply-xorshift digest of `bytes`, eight at a time, and their count, as text
    /// (`csv1:<count>:<hex>`); about 20 ms for a registry of 1,000,000 devices.
    static func digest(of bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var index = 0
        while index + 8 <= bytes.count {
            var word: UInt64 = 0
            for offset in 0..<8 { word |= UInt64(bytes[index + offset]) << UInt64(offset * 8) }
            hash = (hash ^ word) &* 0x100_0000_01b3
            hash ^= hash >> 32
            index += 8
        }
        var tail: UInt64 = 0
        for offset in 0..<(bytes.count - index) { tail |= UInt64(bytes[index + offset]) << UInt64(offset * 8) }
        hash = (hash ^ tail) &* 0x100_0000_01b3
        hash ^= hash >> 29
        hash &*= 0xbf58_476d_1ce4_e5b9
        hash ^= hash >> 32
        return "csv1:\(bytes.count):\(String(hash, radix: 16))"
    }

    /// The line of the record that first listed each of `ids` (a second pass over the file, made only
    /// when a registry repeats ids, so that the first pass keeps no line per device).
    fileprivate static func firstLines(of ids: Set<String>, in bytes: [UInt8], columns: Int, layout: RegistryColumns) -> [String: Int] {
        var reader = CSVReader(bytes: bytes)
        var fields: [String] = []
        var ignored: [DeviceRegistryIssue] = []
        var lines: [String: Int] = [:]
        _ = reader.nextRow(into: &fields, fileName: "", issues: &ignored)
        while lines.count < ids.count, let line = reader.nextRow(into: &fields, fileName: "", issues: &ignored) {
            guard fields.count == columns else { continue }
            for index in fields.indices { fields[index] = fields[index].trimmingHorizontalWhitespace() }
            guard case .success(let values) = layout.record(from: fields), ids.contains(values.id), lines[values.id] == nil else { continue }
            lines[values.id] = line
        }
        return lines
    }
}

/// Where each known column is in a row, from the header (column names with a meaning of their own;
/// every other column is `extra`).
fileprivate struct RegistryColumns {
    static let known: Set<String> = [
        "id", "kind", "community", "building", "unit", "address", "grid", "owner", "report_interval_s",
        "resident_name", "resident_phone", "lives_alone", "emergency_contact",
    ]

    let id, kind, community, building, unit, address, grid, owner, reportInterval: Int?
    let residentName, residentPhone, livesAlone, emergencyContact: Int?
    /// Other columns: header name and position.
    let extra: [(name: String, index: Int)]

    init(_ columnIndex: [String: Int]) {
        id = columnIndex["id"]
        kind = columnIndex["kind"]
        community = columnIndex["community"]
        building = columnIndex["building"]
        unit = columnIndex["unit"]
        address = columnIndex["address"]
        grid = columnIndex["grid"]
        owner = columnIndex["owner"]
        reportInterval = columnIndex["report_interval_s"]
        residentName = columnIndex["resident_name"]
        residentPhone = columnIndex["resident_phone"]
        livesAlone = columnIndex["lives_alone"]
        emergencyContact = columnIndex["emergency_contact"]
        extra = columnIndex.filter { !Self.known.contains($0.key) }.map { (name: $0.key, index: $0.value) }.sorted { $0.index < $1.index }
    }

    struct RowProblem: Error { var message: String }

    /// The fields of one record from a row's trimmed values.
    func record(from row: [String]) -> Result<DeviceRecordFields, RowProblem> {
        func value(_ index: Int?) -> String { index.map { row[$0] } ?? "" }
        let id = value(id)
        guard !id.isEmpty else { return .failure(RowProblem(message: "device id is empty")) }
        guard !id.utf8.contains(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "#") }) else {
            return .failure(RowProblem(message: "device id '\(id)' contains '/', '+' or '#', which cannot appear in a topic level"))
        }
        var interval: Int64?
        let intervalText = value(reportInterval)
        if !intervalText.isEmpty {
            guard let seconds = Int64(intervalText), seconds > 0 else {
                return .failure(RowProblem(message: "report_interval_s of '\(id)' must be a positive whole number of seconds, not '\(intervalText)'"))
            }
            interval = seconds
        }
        var alone: Bool?
        let aloneText = value(livesAlone)
        if !aloneText.isEmpty {
            switch aloneText.lowercased() {
            case "true", "yes", "y", "1", "是": alone = true
            case "false", "no", "n", "0", "否": alone = false
            default:
                return .failure(RowProblem(message: "lives_alone of '\(id)' must be true or false (yes/no, 1/0, 是/否), not '\(aloneText)'"))
            }
        }
        var extraValues: [String: String] = [:]
        for column in extra { extraValues[column.name] = row[column.index] }
        return .success(DeviceRecordFields(
            id: id, kind: value(kind), community: value(community), building: value(building), unit: value(unit),
            address: value(address), grid: value(grid), owner: value(owner), reportIntervalSeconds: interval,
            residentName: value(residentName), residentPhone: value(residentPhone), livesAlone: alone,
            emergencyContact: value(emergencyContact), extra: extraValues))
    }
}

/// An RFC 4180 reader over UTF-8 bytes that hands out one record at a time and remembers the line each
/// record starts on. Blank lines are skipped; a record with a syntax problem is reported and skipped.
struct CSVReader {
    private let bytes: [UInt8]
    private var position = 0
    private var line = 1
    /// Bytes of the field being read.
    private var field: [UInt8] = []

    private static let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r"), space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")

    init(bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    /// Reads the next record with content into `fields`; returns the line it starts on, nil at the end.
    mutating func nextRow(into fields: inout [String], fileName: String, issues: inout [DeviceRegistryIssue]) -> Int? {
        while position < bytes.count {
            if let line = readRecord(into: &fields, fileName: fileName, issues: &issues) { return line }
        }
        return nil
    }

    /// Reads one physical record (up to an unquoted line end): its line when it has content and no
    /// syntax problem, else nil.
    private mutating func readRecord(into fields: inout [String], fileName: String, issues: inout [DeviceRegistryIssue]) -> Int? {
        fields.removeAll(keepingCapacity: true)
        field.removeAll(keepingCapacity: true)
        let rowStartLine = line
        var inQuotes = false
        var fieldWasQuoted = false
        var afterClosingQuote = false
        var rowHasContent = false
        var badRow = false

        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            fieldWasQuoted = false
            afterClosingQuote = false
        }
        func problem(_ message: String, at line: Int) {
            if !badRow { issues.append(DeviceRegistryIssue(file: fileName, line: line, message: message)) }
            badRow = true
        }

        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            let next: UInt8? = position < bytes.count ? bytes[position] : nil
            if inQuotes {
                if byte == Self.quote {
                    if next == Self.quote {
                        field.append(Self.quote)
                        position += 1
                    } else {
                        inQuotes = false
                        afterClosingQuote = true
                    }
                } else {
                    if byte == Self.newline { line += 1 }
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case Self.comma:
                rowHasContent = true
                endField()
            case Self.carriageReturn where next == Self.newline:
                continue
            case Self.newline, Self.carriageReturn:
                endField()
                line += 1
                return rowHasContent && !badRow ? rowStartLine : nil
            case Self.quote where field.isEmpty && !fieldWasQuoted:
                rowHasContent = true
                inQuotes = true
                fieldWasQuoted = true
            default:
                if afterClosingQuote {
                    if byte == Self.space || byte == Self.tab { continue }
                    problem("unexpected text after a closing quote", at: line)
                } else if byte == Self.quote {
                    problem("quote inside an unquoted field (quote the whole field and double the quote)", at: line)
                }
                if byte != Self.space && byte != Self.tab { rowHasContent = true }
                field.append(byte)
            }
        }
        if inQuotes {
            issues.append(DeviceRegistryIssue(file: fileName, line: rowStartLine, message: "quoted field is not closed before the end of the file"))
            badRow = true
        }
        endField()
        return rowHasContent && !badRow ? rowStartLine : nil
    }
}

extension String {
    /// The string without leading and trailing horizontal whitespace: tab, the Unicode space separators
    /// and U+200B (the same set as Foundation's `CharacterSet.whitespaces`), without bridging through
    /// NSString, which dominated loading a large registry (see README.md (Performance)).
    func trimmingHorizontalWhitespace() -> String {
        func isSpace(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar.value {
            case 0x09, 0x20: return true
            case 0...0x9F, 0x3001...: return false  // no space separator below U+00A0 but U+0020, none above U+3000
            default: return scalar == "\u{200B}" || scalar.properties.generalCategory == .spaceSeparator
            }
        }
        // Fast path: a text that starts and ends with a printable ASCII character needs no trimming.
        if let first = utf8.first, let last = utf8.last, (0x21...0x7E).contains(first), (0x21...0x7E).contains(last) { return self }
        let scalars = unicodeScalars
        guard let first = scalars.first, let last = scalars.last, isSpace(first) || isSpace(last) else { return self }
        guard let start = scalars.firstIndex(where: { !isSpace($0) }),
              let end = scalars.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(scalars[start...end])
    }
}
