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
        var columns: [TextTable.Column] = [.whole(tr("ID"), alignRight: true), .init(header(subjectTitle), maxWidth: 30), .init(tr("UNTIL")),
                                           .init(tr("LEFT"), alignRight: true), .init(tr("BY"), maxWidth: 16)]
        if holds { columns.append(.init(tr("HOLDING BACK"))) }
        columns.append(.init(tr("REASON"), minWidth: 10))
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

    /// The subject column's heading in the staff's language (`subjectTitle` stays the JSON key).
    static func header(_ subjectTitle: String) -> String {
        switch subjectTitle {
        case "SCOPE": return tr("SCOPE")
        case "DEVICE": return tr("DEVICE")
        default: return subjectTitle
        }
    }

    /// The numeric id positional of a `remove` command.
    static func id(_ arguments: ParsedArguments, listCommand: String) throws -> Int64 {
        let text = try arguments.single("ID")
        guard let id = Int64(text), id > 0 else {
            throw CLIError.usage(tr("%1$s: ID is a number (see %2$s)", arguments.commandName, listCommand))
        }
        return id
    }
}
