import EventCore
import TerminalText
import Vocabulary

/// A time-limited record staff add and remove (silences, away notes): one listing for both.
struct RecordListing {
    var id: Int64
    var subject: String
    var createdAt: EpochMillis
    var until: EpochMillis
    var reason: String
    var actor: String
    /// What the record holds back right now (a HOLDING column), nil when the kind of record has no such column.
    var holding: String? = nil
    /// Further JSON members (what a silence holds back).
    var json: [(String, JSONOutput)] = []

    /// The table (or JSON array) of records.
    static func render(_ records: [RecordListing], subjectTitle: String, json: Bool, empty: String,
                       now: EpochMillis, context: CLIContext) -> String {
        if json {
            return JSONOutput.array(records.map { record in
                .object([("id", .integer(record.id)), (subjectTitle.lowercased(), .string(record.subject)),
                         ("created_at", .string(TimeText.iso(record.createdAt))), ("until", .string(TimeText.iso(record.until))),
                         ("reason", .string(record.reason)), ("actor", .string(record.actor))] + record.json)
            }).rendered()
        }
        guard !records.isEmpty else { return empty + "\n" }
        let holds = records.contains { $0.holding != nil }
        var columns: [TextTable.Column] = [.init("ID", alignRight: true), .init(subjectTitle, maxWidth: 30), .init("UNTIL"),
                                           .init("LEFT", alignRight: true), .init("BY", maxWidth: 16)]
        if holds { columns.append(.init("HOLDING BACK")) }
        columns.append(.init("REASON", minWidth: 10))
        var table = TextTable(columns: columns)
        for record in records {
            var cells = [TextTable.Cell(String(record.id)), TextTable.Cell(record.subject),
                         TextTable.Cell(TimeText.local(record.until)),
                         TextTable.Cell(TimeText.span(milliseconds: record.until - now)), TextTable.Cell(record.actor)]
            if holds { cells.append(TextTable.Cell(record.holding ?? "-")) }
            cells.append(TextTable.Cell(record.reason))
            table.append(cells)
        }
        return table.render(totalWidth: context.width, style: context.style)
    }

    /// The numeric id positional of a `remove` command.
    static func id(_ arguments: ParsedArguments, listCommand: String) throws -> Int64 {
        let text = try arguments.single("ID")
        guard let id = Int64(text), id > 0 else {
            throw CLIError.usage("\(arguments.commandName): ID is a number (see \(listCommand))")
        }
        return id
    }
}
