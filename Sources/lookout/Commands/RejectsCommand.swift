import EventCore
import StaffAPI
import TerminalText

/// `lookout rejects`: malformed or impossible device messages the daemon refused, counted and sampled.
struct RejectsCommand: Command {
    static let name = "rejects"
    static let help = CommandHelp(
        summary: tr("rejected messages: counts by reason and recent samples (payloads escaped)"),
        usage: "",
        options: [
            .value("reason", "R", help: tr("only this reason")),
            .value("limit", "N", short: "n", help: tr("at most N samples (default 20)")),
            .flag("json", help: tr("print a JSON object")),
        ],
        examples: ["lookout rejects", "lookout rejects --reason invalid_json -n 5", "lookout rejects --reason implausible_value"])

    let context: CLIContext
    let reason: String?
    let limit: Int
    let json: Bool

    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        _ = try arguments.positionals(exactly: [])
        reason = arguments.value("reason")
        limit = try arguments.integer("limit") ?? 20
        json = arguments.flag("json")
    }

    func run() throws {
        var arguments = ["limit": String(limit)]
        if let reason { arguments["reason"] = reason }
        let result = try context.request(.rejects, arguments)
        let counts = result.rejectCounts ?? []
        let samples = result.rejects ?? []
        // Samples beyond `limit` are kept but not shown; the counts cover rejects whose samples are gone too.
        let notShown = max(0, (result.rejectsKept ?? samples.count) - samples.count)
        let cutNote = notShown > 0 ? tr("%1$d more kept sample(s) not shown: -n N to see them", notShown) + "\n" : ""
        let now = context.now
        if json {
            Console.out(JSONOutput.object([
                ("counts", .array(counts.map { .object([("reason", .string($0.reason)), ("count", .integer($0.count)),
                                                        ("last_at", .string(TimeText.iso($0.lastAt)))]) })),
                ("samples", .array(samples.map { .object([("at", .string(TimeText.iso($0.at))), ("reason", .string($0.reason)),
                                                          ("device", .string($0.deviceID)), ("detail", .string($0.detail)),
                                                          ("topic", .string($0.topic)), ("payload_excerpt", .string($0.payloadExcerpt))]) })),
                ("samples_not_shown", .integer(Int64(notShown))),
            ]).rendered())
            return
        }
        guard !counts.isEmpty || !samples.isEmpty else {
            Console.out(tr("No rejected messages.") + "\n")
            return
        }
        var countTable = TextTable(columns: [.init(tr("REASON"), maxWidth: 30), .init(tr("COUNT"), alignRight: true),
                                             .init(tr("LAST"), alignRight: true)])
        for count in counts {
            countTable.append([TextTable.Cell(count.reason), TextTable.Cell(String(count.count)),
                               TextTable.Cell(tr("%1$s ago", TimeText.span(milliseconds: now - count.lastAt)))])
        }
        var out = countTable.render(totalWidth: context.width, style: context.style)
        if !samples.isEmpty {
            out += "\n" + context.style.paint(tr("Recent samples (newest first)"), .bold) + "\n"
            var sampleTable = TextTable(columns: [.init(tr("TIME")), .init(tr("REASON"), maxWidth: 20),
                                                  .init(tr("TOPIC"), minWidth: 10, maxWidth: 40), .init(tr("WHAT"), minWidth: 10, maxWidth: 60),
                                                  .init(tr("PAYLOAD"), minWidth: 20)])
            for sample in samples {
                sampleTable.append([TextTable.Cell(TimeText.local(sample.at)), TextTable.Cell(sample.reason),
                                    TextTable.Cell(sample.topic), TextTable.Cell(sample.detail.isEmpty ? "-" : sample.detail),
                                    TextTable.Cell(sample.payloadExcerpt)])
            }
            out += sampleTable.render(totalWidth: context.width, style: context.style)
            out += context.style.paint(cutNote, .bold)
        }
        Console.out(out)
    }
}
