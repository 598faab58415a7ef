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
        guard let text = String(data: data, encoding: .utf8) else {
            throw DeviceRegistryError(issues: [DeviceRegistryIssue(file: path, line: 0, message: "registry file is not valid UTF-8")])
        }
        return try DeviceRegistry(csv: text, fileName: path)
    }

    /// Parses CSV text; `fileName` is used in messages.
    public init(csv text: String, fileName: String = "devices.csv") throws(DeviceRegistryError) {
        var issues: [DeviceRegistryIssue] = []
        let rows = CSVReader.rows(of: text, fileName: fileName, issues: &issues)
        guard let header = rows.first else {
            issues.append(DeviceRegistryIssue(file: fileName, line: 0, message: "registry file has no header row"))
            throw DeviceRegistryError(issues: issues)
        }
        let columns = header.fields.map { $0.trimmingHorizontalWhitespace().lowercased() }
        var columnIndex: [String: Int] = [:]
        for (index, name) in columns.enumerated() {
            if name.isEmpty {
                issues.append(DeviceRegistryIssue(file: fileName, line: header.line, message: "header column \(index + 1) has no name"))
            } else if columnIndex[name] != nil {
                issues.append(DeviceRegistryIssue(file: fileName, line: header.line, message: "header names column '\(name)' twice"))
            } else {
                columnIndex[name] = index
            }
        }
        guard columnIndex["id"] != nil else {
            issues.append(DeviceRegistryIssue(file: fileName, line: header.line, message: "header has no 'id' column (columns: \(columns.joined(separator: ", ")))"))
            throw DeviceRegistryError(issues: issues)
        }
        var records: [DeviceRecord] = []
        var firstLineOfID: [String: Int] = [:]
        for row in rows.dropFirst() where issues.count < Self.maximumIssues {
            func report(_ message: String) { issues.append(DeviceRegistryIssue(file: fileName, line: row.line, message: message)) }
            guard row.fields.count == columns.count else {
                report("row has \(row.fields.count) fields but the header has \(columns.count)")
                continue
            }
            var values: [String: String] = [:]
            for (name, index) in columnIndex { values[name] = row.fields[index].trimmingHorizontalWhitespace() }
            switch Self.record(from: values) {
            case .failure(let problem):
                report(problem.message)
            case .success(let record):
                if let first = firstLineOfID[record.id] {
                    report("device '\(record.id)' is already listed on line \(first)")
                    continue
                }
                firstLineOfID[record.id] = row.line
                records.append(record)
            }
        }
        guard issues.isEmpty else {
            let ordered = issues.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element)
            throw DeviceRegistryError(issues: Array(ordered.prefix(Self.maximumIssues)))
        }
        self.init(records)
    }

    /// Column names with a meaning of their own; everything else is `extra`.
    private static let knownColumns: Set<String> = [
        "id", "kind", "community", "building", "unit", "address", "grid", "owner", "report_interval_s",
        "resident_name", "resident_phone", "lives_alone", "emergency_contact",
    ]

    private struct RowProblem: Error { var message: String }

    /// One record from the values of a row by column name.
    private static func record(from values: [String: String]) -> Result<DeviceRecord, RowProblem> {
        let id = values["id"] ?? ""
        guard !id.isEmpty else { return .failure(RowProblem(message: "device id is empty")) }
        guard !id.contains("/"), !id.contains("+"), !id.contains("#") else {
            return .failure(RowProblem(message: "device id '\(id)' contains '/', '+' or '#', which cannot appear in a topic level"))
        }
        var interval: Int64?
        if let text = values["report_interval_s"], !text.isEmpty {
            guard let seconds = Int64(text), seconds > 0 else {
                return .failure(RowProblem(message: "report_interval_s of '\(id)' must be a positive whole number of seconds, not '\(text)'"))
            }
            interval = seconds
        }
        var livesAlone: Bool?
        if let text = values["lives_alone"], !text.isEmpty {
            switch text.lowercased() {
            case "true", "yes", "y", "1", "是": livesAlone = true
            case "false", "no", "n", "0", "否": livesAlone = false
            default:
                return .failure(RowProblem(message: "lives_alone of '\(id)' must be true or false (yes/no, 1/0, 是/否), not '\(text)'"))
            }
        }
        var extra: [String: String] = [:]
        for (name, value) in values where !knownColumns.contains(name) { extra[name] = value }
        return .success(DeviceRecord(
            id: id, kind: values["kind"] ?? "", community: values["community"] ?? "", building: values["building"] ?? "",
            unit: values["unit"] ?? "", address: values["address"] ?? "", grid: values["grid"] ?? "",
            owner: values["owner"] ?? "", reportIntervalSeconds: interval, residentName: values["resident_name"] ?? "",
            residentPhone: values["resident_phone"] ?? "", livesAlone: livesAlone,
            emergencyContact: values["emergency_contact"] ?? "", extra: extra))
    }
}

/// An RFC 4180 reader that remembers the line each record starts on.
enum CSVReader {
    /// One record: its fields and the 1-based line it starts on.
    struct Row {
        var fields: [String]
        var line: Int
    }

    /// Splits `text` into records, skipping blank lines; syntax problems are appended to `issues`.
    static func rows(of text: String, fileName: String, issues: inout [DeviceRegistryIssue]) -> [Row] {
        var rows: [Row] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var fieldWasQuoted = false
        var afterClosingQuote = false
        var line = 1
        var rowStartLine = 1
        var rowHasContent = false
        var badRow = false

        func endField() {
            fields.append(field)
            field = ""
            fieldWasQuoted = false
            afterClosingQuote = false
        }
        func endRow() {
            endField()
            if rowHasContent && !badRow { rows.append(Row(fields: fields, line: rowStartLine)) }
            fields = []
            rowHasContent = false
            badRow = false
        }

        var scalars = Substring(text).unicodeScalars[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
        var iterator = scalars.makeIterator()
        var pending: Unicode.Scalar? = iterator.next()
        while let scalar = pending {
            pending = iterator.next()
            if inQuotes {
                if scalar == "\"" {
                    if pending == "\"" {
                        field.unicodeScalars.append("\"")
                        pending = iterator.next()
                    } else {
                        inQuotes = false
                        afterClosingQuote = true
                    }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case ",":
                rowHasContent = true
                endField()
            case "\r" where pending == "\n":
                continue
            case "\n", "\r":
                endRow()
                line += 1
                rowStartLine = line
            case "\"" where field.isEmpty && !fieldWasQuoted:
                rowHasContent = true
                inQuotes = true
                fieldWasQuoted = true
            default:
                if afterClosingQuote {
                    if scalar == " " || scalar == "\t" { continue }
                    if !badRow {
                        issues.append(DeviceRegistryIssue(file: fileName, line: line, message: "unexpected text after a closing quote"))
                    }
                    badRow = true
                } else if scalar == "\"" {
                    if !badRow {
                        issues.append(DeviceRegistryIssue(file: fileName, line: line, message: "quote inside an unquoted field (quote the whole field and double the quote)"))
                    }
                    badRow = true
                }
                if scalar != " " && scalar != "\t" { rowHasContent = true }
                field.unicodeScalars.append(scalar)
            }
        }
        if inQuotes {
            issues.append(DeviceRegistryIssue(file: fileName, line: rowStartLine, message: "quoted field is not closed before the end of the file"))
            badRow = true
        }
        endRow()
        return rows
    }
}

extension String {
    /// The string without leading and trailing horizontal whitespace: tab, the Unicode space separators
    /// and U+200B (the same set as Foundation's `CharacterSet.whitespaces`), without bridging through
    /// NSString, which dominated loading a large registry (see README.md (Performance)).
    func trimmingHorizontalWhitespace() -> String {
        func isSpace(_ scalar: Unicode.Scalar) -> Bool {
            scalar == "\t" || scalar == "\u{200B}" || scalar.properties.generalCategory == .spaceSeparator
        }
        let scalars = unicodeScalars
        guard let first = scalars.first, let last = scalars.last, isSpace(first) || isSpace(last) else { return self }
        guard let start = scalars.firstIndex(where: { !isSpace($0) }),
              let end = scalars.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(scalars[start...end])
    }
}
