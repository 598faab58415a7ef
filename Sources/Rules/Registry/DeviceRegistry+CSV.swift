import Dispatch
import FoundationEssentials
import Synchronization
import Vocabulary

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
/// Columns by header name (case-insensitive, any order): `id` (required) and the other columns of the registry
/// table (`RegistryField`); any other column goes to `DeviceRecord.extra` under its header name. A
/// resident id may not be the id of a device (absence rules `by resident` key on either).
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

    /// Parses valid UTF-8 CSV in one pass: each row becomes a record at once (no table of rows, no String
    /// per field: the reader hands out byte ranges, and the fields records share are looked up by their bytes).
    init(csvBytes bytes: [UInt8], fileName: String) throws(DeviceRegistryError) {
        var issues: [DeviceRegistryIssue] = []
        var reader = CSVReader(bytes: bytes)
        var fields: [CSVField] = []
        guard let headerLine = reader.nextRow(into: &fields, fileName: fileName, issues: &issues) else {
            issues.append(DeviceRegistryIssue(file: fileName, line: 0, message: "registry file has no header row"))
            throw DeviceRegistryError(issues: issues)
        }
        let columns = fields.map { reader.text($0).lowercased() }
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
        if issues.isEmpty, let devices = Self.recordsInTwoParts(of: bytes, from: reader.position, expectedRows: expectedRows,
                                                                 columns: columns.count, layout: layout) {
            let (clashes, residentKinds) = Self.residentIDs(devices, layout: layout, bytes: bytes, columns: columns.count, fileName: fileName)
            guard clashes.isEmpty else { throw DeviceRegistryError(issues: clashes) }
            self.init(devices: devices, extraColumns: devices.isEmpty ? [] : Set(layout.extra.map(\.name)))
            self.residentKinds = residentKinds
            sourceDigest = Self.digest(of: bytes)
            return
        }
        var devices: [String: DeviceRecord] = [:]
        devices.reserveCapacity(expectedRows)
        /// Rows that repeat an id listed earlier, by the position of their issue; the line of the first
        /// listing is looked up at the end.
        var repeated: [(id: String, issue: Int)] = []
        var warnings: [DeviceRegistryIssue] = []
        var builder = RegistryRowBuilder(layout: layout)
        while issues.count < Self.maximumIssues, let line = reader.nextRow(into: &fields, fileName: fileName, issues: &issues) {
            func report(_ message: String) { issues.append(DeviceRegistryIssue(file: fileName, line: line, message: message)) }
            guard fields.count == columns.count else {
                report("row has \(fields.count) fields but the header has \(columns.count)")
                continue
            }
            switch builder.record(from: fields, of: reader) {
            case .failure(let problem):
                report(problem.message)
            case .success(let record):
                for warning in builder.warnings { warnings.append(DeviceRegistryIssue(file: fileName, line: line, message: warning)) }
                // A repeated id fails the whole registry, so the record it replaces does not matter.
                if devices.updateValue(record, forKey: record.id) != nil {
                    repeated.append((record.id, issues.count))
                    report("device '\(record.id)' is already listed")
                }
            }
        }
        if !repeated.isEmpty {
            let firstLines = Self.firstLines(of: Set(repeated.map(\.id)), in: bytes, columns: columns.count, layout: layout)
            for (id, issue) in repeated { issues[issue].message = "device '\(id)' is already listed on line \(firstLines[id] ?? 0)" }
        }
        var residentKinds: Set<String> = []
        if issues.isEmpty {
            (issues, residentKinds) = Self.residentIDs(devices, layout: layout, bytes: bytes, columns: columns.count, fileName: fileName)
        }
        guard issues.isEmpty else {
            let ordered = issues.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element)
            throw DeviceRegistryError(issues: Array(ordered.prefix(Self.maximumIssues)))
        }
        self.init(devices: devices, extraColumns: devices.isEmpty ? [] : Set(layout.extra.map(\.name)))
        self.residentKinds = residentKinds
        self.warnings = warnings
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

    /// The kinds of the devices that name a resident id, and a problem for each device whose resident id is also
    /// a device id (absence rules `by resident` key on either, so the two must never meet); nothing without a
    /// `resident_id` column (no pass over the devices).
    fileprivate static func residentIDs(_ devices: [String: DeviceRecord], layout: RegistryColumns, bytes: [UInt8],
                                        columns: Int, fileName: String) -> (issues: [DeviceRegistryIssue], kinds: Set<String>) {
        guard layout[.residentID] != nil else { return ([], []) }
        var kinds: Set<String> = []
        var clashing: [DeviceRecord] = []
        for record in devices.values where !record.residentID.isEmpty {
            kinds.insert(record.kind)
            if devices[record.residentID] != nil { clashing.append(record) }
        }
        guard !clashing.isEmpty else { return ([], kinds) }
        let lines = firstLines(of: Set(clashing.map(\.id)), in: bytes, columns: columns, layout: layout)
        let issues = clashing.map { record in
            DeviceRegistryIssue(file: fileName, line: lines[record.id] ?? 0,
                                message: "resident_id '\(record.residentID)' of '\(record.id)' is also a device id; use ids of their own for residents (R-0001)")
        }
        return (Array(issues.sorted { ($0.line, $0.message) < ($1.line, $1.message) }.prefix(maximumIssues)), kinds)
    }

    /// The line of the record that first listed each of `ids` (a second pass over the file, made only
    /// when a registry repeats ids, so that the first pass keeps no line per device).
    fileprivate static func firstLines(of ids: Set<String>, in bytes: [UInt8], columns: Int, layout: RegistryColumns) -> [String: Int] {
        var reader = CSVReader(bytes: bytes)
        var fields: [CSVField] = []
        var ignored: [DeviceRegistryIssue] = []
        var lines: [String: Int] = [:]
        var builder = RegistryRowBuilder(layout: layout)
        _ = reader.nextRow(into: &fields, fileName: "", issues: &ignored)
        while lines.count < ids.count, let line = reader.nextRow(into: &fields, fileName: "", issues: &ignored) {
            guard fields.count == columns, case .success(let record) = builder.record(from: fields, of: reader),
                  ids.contains(record.id), lines[record.id] == nil else { continue }
            lines[record.id] = line
        }
        return lines
    }
}

extension DeviceRegistry {
    /// Files smaller than this are read on one thread.
    static let twoPartMinimumBytes = 1 << 20

    /// The records of a large file's rows (from `bodyStart`, after the header) read on two threads, each half of
    /// the rows; nil when the file is small or when any row has a problem or repeats an id (then the caller
    /// reads it again in one pass, which reports the problems with their lines as usual). The second part
    /// starts after a line end outside quotes near the middle; the first part's reader must end exactly there
    /// without a problem, so both parts read the same records one reader would.
    fileprivate static func recordsInTwoParts(of bytes: [UInt8], from bodyStart: Int, expectedRows: Int, columns: Int,
                                              layout: RegistryColumns) -> [String: DeviceRecord]? {
        guard bytes.count - bodyStart >= twoPartMinimumBytes, let split = recordBoundary(in: bytes, from: bodyStart) else { return nil }
        let first = Mutex<[String: DeviceRecord]?>(nil)
        let second = Mutex<[DeviceRecord]?>(nil)
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            if part == 0 {
                var devices: [String: DeviceRecord] = [:]
                devices.reserveCapacity(expectedRows)
                let clean = readCleanRecords(of: bytes, bodyStart..<split, columns: columns, layout: layout) {
                    devices.updateValue($0, forKey: $0.id) == nil
                }
                if clean { first.withLock { $0 = devices } }
            } else {
                var records: [DeviceRecord] = []
                records.reserveCapacity(expectedRows / 2 + 1)
                let clean = readCleanRecords(of: bytes, split..<bytes.count, columns: columns, layout: layout) {
                    records.append($0)
                    return true
                }
                if clean { second.withLock { $0 = records } }
            }
        }
        guard var devices = first.withLock({ $0.take() }), let records = second.withLock({ $0.take() }) else { return nil }
        for record in records {
            guard devices.updateValue(record, forKey: record.id) == nil else { return nil }
        }
        return devices
    }

    /// Hands the record of every row in `range` to `add`; false as soon as a row has a problem or `add` refuses
    /// a record, or when the reader does not end exactly at the end of `range`.
    private static func readCleanRecords(of bytes: [UInt8], _ range: Range<Int>, columns: Int, layout: RegistryColumns,
                                         _ add: (DeviceRecord) -> Bool) -> Bool {
        var reader = CSVReader(bytes: bytes, range: range)
        var builder = RegistryRowBuilder(layout: layout)
        var fields: [CSVField] = []
        var issues: [DeviceRegistryIssue] = []
        while reader.nextRow(into: &fields, fileName: "", issues: &issues) != nil {
            // A row with a warning is read again by the one-part reader, which keeps its line.
            guard issues.isEmpty, fields.count == columns, case .success(let record) = builder.record(from: fields, of: reader),
                  builder.warnings.isEmpty, add(record) else { return false }
        }
        return issues.isEmpty && reader.position == range.upperBound
    }

    /// The position just after a line end near the middle of `bytes[start...]` that is outside quotes when the
    /// quotes before it pair up (as in a well-formed file); nil when there is none.
    private static func recordBoundary(in bytes: [UInt8], from start: Int) -> Int? {
        let middle = start + (bytes.count - start) / 2
        var insideQuotes = bytes[start..<middle].reduce(false) { inside, byte in byte == UInt8(ascii: "\"") ? !inside : inside }
        for position in middle..<bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "\""): insideQuotes.toggle()
            case UInt8(ascii: "\n") where !insideQuotes: return position + 1 < bytes.count ? position + 1 : nil
            default: break
            }
        }
        return nil
    }
}

/// Where each known column is in a row, from the header (the columns of the registry table, `RegistryField`;
/// every other column is `extra`).
fileprivate struct RegistryColumns {
    /// The position of each declared field's column, by `RegistryField.rawValue`; nil when the header lacks it.
    private let positions: [Int?]
    /// Other columns: header name and position.
    let extra: [(name: String, index: Int)]

    init(_ columnIndex: [String: Int]) {
        positions = RegistryField.allCases.map { columnIndex[$0.column] }
        extra = columnIndex.filter { RegistryField(column: $0.key) == nil }.map { (name: $0.key, index: $0.value) }.sorted { $0.index < $1.index }
    }

    /// The position of `field`'s column, nil when the file has none.
    subscript(field: RegistryField) -> Int? { positions[field.rawValue] }
}

/// Turns rows into records: checks the values, makes a String only of the texts a record keeps for itself,
/// and finds the shared fields of a row by their bytes (`DeviceRecordInterner.shared(encoded:make:)`).
fileprivate struct RegistryRowBuilder {
    let layout: RegistryColumns
    /// Positions of the shared text columns (kind, community, building, unit, grid, owner, extra columns).
    private let sharedTextColumns: [Int?]
    private var interner = DeviceRecordInterner()
    /// The encoding of the current row's shared fields (reused from row to row).
    private var encoding: [UInt8] = []

    /// Accepted `lives_alone` values as written (other spellings go through `livesAlone(_:)`).
    private static let livesAloneSpellings: [(text: [UInt8], value: Bool)] = [
        ("yes", true), ("no", false), ("true", true), ("false", false), ("1", true), ("0", false), ("y", true), ("n", false),
        ("是", true), ("否", false),
    ].map { (Array($0.0.utf8), $0.1) }

    init(layout: RegistryColumns) {
        self.layout = layout
        sharedTextColumns = [layout[.kind], layout[.community], layout[.building], layout[.unit], layout[.grid], layout[.owner],
                             layout[.residentID]] + layout.extra.map(\.index)
    }

    struct RowProblem: Error { var message: String }
    /// What was wrong with the last row that was still accepted (read after each `record(from:of:)`).
    private(set) var warnings: [String] = []

    /// The record of a row whose fields `reader` has just read.
    mutating func record(from fields: [CSVField], of reader: CSVReader) -> Result<DeviceRecord, RowProblem> {
        func text(_ index: Int?) -> String { index.map { reader.text(fields[$0]) } ?? "" }
        guard let idColumn = layout[.id], !fields[idColumn].isEmpty else { return .failure(RowProblem(message: "device id is empty")) }
        guard !reader.slice(fields[idColumn]).contains(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "#") }) else {
            return .failure(RowProblem(message: "device id '\(text(idColumn))' contains '/', '+' or '#', which cannot appear in a topic level"))
        }
        if let column = layout[.residentID], reader.slice(fields[column]).contains(where: { $0 == UInt8(ascii: "/") || $0 < 0x20 }) {
            return .failure(RowProblem(message: "resident_id of '\(text(idColumn))' contains '/' or a control character: '\(text(column))'"))
        }
        var interval: Int64?
        if let column = layout[.reportInterval], !fields[column].isEmpty {
            guard let seconds = Self.positiveWholeNumber(reader.slice(fields[column])) else {
                return .failure(RowProblem(message: "report_interval_s of '\(text(idColumn))' must be a positive whole number of seconds, not '\(text(column))'"))
            }
            interval = seconds
        }
        var alone: Bool?
        if let column = layout[.livesAlone], !fields[column].isEmpty {
            let spelling = reader.slice(fields[column])
            guard let value = Self.livesAloneSpellings.first(where: { $0.text.elementsEqual(spelling) })?.value
                    ?? Self.livesAlone(text(column)) else {
                return .failure(RowProblem(message: "lives_alone of '\(text(idColumn))' must be true or false (yes/no, 1/0, 是/否), not '\(text(column))'"))
            }
            alone = value
        }
        // A relative's mistyped phone must not stop the community's alarm handling: the device stays, without it.
        warnings.removeAll()
        var emergencyPhone = text(layout[.emergencyPhone])
        if !emergencyPhone.isEmpty, !Self.isPhoneNumber(emergencyPhone) {
            warnings.append("emergency_phone of '\(text(idColumn))' is not a phone number (digits, an optional leading +, spaces, - ( ) and commas between several): '\(emergencyPhone)'; the device is kept without it, so its emergency contact cannot be told")
            emergencyPhone = ""
        }
        // Likewise a mistyped coordinate: the device stays, without coordinates (one without the other is no place).
        var latitude: Double?, longitude: Double?
        if layout[.latitude] != nil || layout[.longitude] != nil {
            (latitude, longitude) = coordinates(text, id: text(idColumn))
        }
        encoding.removeAll(keepingCapacity: true)
        for column in sharedTextColumns {
            if let column { encoding.append(contentsOf: reader.slice(fields[column])) }
            encoding.append(0xFF)
        }
        if let interval { withUnsafeBytes(of: interval.littleEndian) { encoding.append(contentsOf: $0) } }
        encoding.append(interval == nil ? 0xFF : 0xFE)
        encoding.append(alone.map { $0 ? 1 : 0 } ?? 2)
        let layout = self.layout
        let shared = interner.shared(encoded: encoding) {
            var extra: [String: String] = [:]
            for column in layout.extra { extra[column.name] = text(column.index) }
            return DeviceRecordSharedFields(
                kind: text(layout[.kind]), community: text(layout[.community]), building: text(layout[.building]),
                unit: text(layout[.unit]), grid: text(layout[.grid]), owner: text(layout[.owner]),
                reportIntervalSeconds: interval, livesAlone: alone, extra: extra, residentID: text(layout[.residentID]))
        }
        return .success(DeviceRecord(
            id: text(idColumn), address: text(layout[.address]), residentName: text(layout[.residentName]),
            residentPhone: text(layout[.residentPhone]), emergencyContact: text(layout[.emergencyContact]),
            emergencyPhone: emergencyPhone, latitude: latitude, longitude: longitude, shared: shared))
    }

    /// The row's `latitude` and `longitude` (decimal degrees, within the registry table's range), both nil with a
    /// warning when either is not a decimal number in its range or one is given without the other.
    private mutating func coordinates(_ text: (Int?) -> String, id: String) -> (Double?, Double?) {
        let latitudeText = text(layout[.latitude]), longitudeText = text(layout[.longitude])
        guard !latitudeText.isEmpty || !longitudeText.isEmpty else { return (nil, nil) }
        var values: [Double] = []
        for (field, value) in [(RegistryField.latitude, latitudeText), (.longitude, longitudeText)] {
            guard let range = field.spec.range else { continue }
            guard !value.isEmpty else {
                warnings.append("\(field.column) of '\(id)' is missing while \(field == .latitude ? "longitude" : "latitude") is given; the device is kept without coordinates")
                return (nil, nil)
            }
            guard let number = Self.decimal(value), range.contains(number) else {
                warnings.append("\(field.column) of '\(id)' is not a decimal number of degrees from \(RuleValue.format(range.lowerBound)) to \(RuleValue.format(range.upperBound)): '\(value)'; the device is kept without coordinates")
                return (nil, nil)
            }
            values.append(number)
        }
        return (values[0], values[1])
    }

    /// A plain decimal number (`31.2304`, `-121.5`, `+8`): digits with at most one point and an optional sign, as
    /// registries write degrees; nil for anything else (exponents, `nan`, `inf`, hexadecimal, which `Double(_:)`
    /// would take).
    static func decimal(_ text: String) -> Double? {
        var digits = 0, points = 0
        for (offset, byte) in text.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
            case UInt8(ascii: "."): points += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-") where offset == 0: break
            default: return nil
            }
        }
        guard digits > 0, points <= 1 else { return nil }
        return Double(text)
    }

    /// Whether `text` is one or more phone numbers (comma-separated): 3 to 20 digits each, an optional leading `+`,
    /// spaces, `-`, `(` and `)` between them. What a gateway dials or texts; free text belongs in `emergency_contact`.
    static func isPhoneNumber(_ text: String) -> Bool {
        let numbers = text.split(separator: ",", omittingEmptySubsequences: false)
        return !numbers.isEmpty && numbers.allSatisfy { number in
            let trimmed = number.trimmingWhitespace()
            let body = trimmed.hasPrefix("+") ? trimmed.dropFirst() : Substring(trimmed)
            let digits = body.filter(\.isASCII).filter(\.isNumber).count
            return (3...20).contains(digits) && body.allSatisfy { ($0.isASCII && $0.isNumber) || " -()".contains($0) }
        }
    }

    /// The value of decimal digits with an optional leading `+` (as `Int64(_:)` reads them) when it is above
    /// zero; nil otherwise.
    private static func positiveWholeNumber(_ digits: ArraySlice<UInt8>) -> Int64? {
        var rest = digits
        if rest.first == UInt8(ascii: "+") { rest = rest.dropFirst() }
        guard !rest.isEmpty else { return nil }
        var value: Int64 = 0
        for byte in rest {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            let (times10, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflow, !overflow2 else { return nil }
            value = sum
        }
        return value > 0 ? value : nil
    }

    /// A `lives_alone` value in any letter case.
    private static func livesAlone(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "y", "1", "是": return true
        case "false", "no", "n", "0", "否": return false
        default: return nil
        }
    }
}

extension String {
    /// The string without leading and trailing horizontal whitespace: tab, the Unicode space separators
    /// and U+200B (the same set as Foundation's `CharacterSet.whitespaces`), without bridging through
    /// NSString, which dominated loading a large registry (see docs/CHANGELOG.md, Performance history).
    func trimmingHorizontalWhitespace() -> String {
        // Fast path: a text that starts and ends with a printable ASCII character needs no trimming.
        if let first = utf8.first, let last = utf8.last, (0x21...0x7E).contains(first), (0x21...0x7E).contains(last) { return self }
        let scalars = unicodeScalars
        guard let first = scalars.first, let last = scalars.last, first.isHorizontalSpace || last.isHorizontalSpace else { return self }
        guard let start = scalars.firstIndex(where: { !$0.isHorizontalSpace }),
              let end = scalars.lastIndex(where: { !$0.isHorizontalSpace }) else { return "" }
        return String(scalars[start...end])
    }
}
