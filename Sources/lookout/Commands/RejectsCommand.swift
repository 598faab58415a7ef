import EventCore
import StaffAPI
import TerminalText

/// `lookout rejects`: malformed or impossible device messages the daemon refused, counted and sampled.
struct RejectsCommand: Command {
    static let name = "rejects"
    static let help = CommandHelp(
        summary: "rejected messages: counts by reason and recent samples (payloads escaped)",
        usage: "",
        options: [
            .value("reason", "R", help: "only this reason"),
            .value("limit", "N", short: "n", help: "at most N samples (default 20)"),
            .flag("json", help: "print a JSON object"),
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
        let cutNote = notShown > 0 ? "\(notShown) more kept sample(s) not shown: -n N to see them\n" : ""
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
            Console.out("No rejected messages.\n")
            return
        }
        var countTable = TextTable(columns: [.init("REASON", maxWidth: 30), .init("COUNT", alignRight: true),
                                             .init("LAST", alignRight: true)])
        for count in counts {
            countTable.append([TextTable.Cell(count.reason), TextTable.Cell(String(count.count)),
                               TextTable.Cell(TimeText.span(milliseconds: now - count.lastAt) + " ago")])
        }
        var out = countTable.render(totalWidth: context.width, style: context.style)
        if !samples.isEmpty {
            out += "\n" + context.style.paint("Recent samples (newest first)", .bold) + "\n"
            var sampleTable = TextTable(columns: [.init("TIME"), .init("REASON", maxWidth: 20),
                                                  .init("TOPIC", minWidth: 10, maxWidth: 40), .init("WHAT", minWidth: 10, maxWidth: 60),
                                                  .init("PAYLOAD", minWidth: 20)])
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
