import EventCore
import StaffAPI
import TerminalText
import Vocabulary

/// `lookout report`: a manual event raised by staff (a resident's phone call, something seen on a round).
struct ReportCommand: Command {
    static let name = "report"
    static let help = CommandHelp(
        summary: tr("raise a manual event"),
        usage: "--kind K --level L (--where ADDRESS | --device ID) --title T",
        options: [
            .value("kind", "K", help: tr("kind of event (smoke, manhole, door, sos, other, …) (required)")),
            .value("level", "L", help: tr("red, yellow or green (required)"), choices: AlertLevel.allCases.map(\.rawValue)),
            .value("where", "ADDRESS", help: tr("address staff can walk to")),
            .value("device", "ID", help: tr("the device concerned, instead of or with --where")),
            .value("community", "C", help: tr("community")),
            .value("building", "B", help: tr("building")),
            .value("title", "T", help: tr("one-line title (required)")),
            .value("description", "D", help: tr("longer description")),
        ],
        examples: ["lookout report --kind smoke --level red --where '3号楼2单元502' --title 'resident reports smoke'"])

    let context: CLIContext
    let kind: String
    let level: AlertLevel
    let location: EventLocation
    let deviceID: String
    let title: String
    let description: String

    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        _ = try arguments.positionals(exactly: [])
        kind = try arguments.required("kind")
        guard let level = AlertLevel(rawValue: try arguments.required("level")) else {
            throw CLIError.usage(tr("%1$s: --level must be red, yellow or green", "report"))
        }
        self.level = level
        deviceID = arguments.value("device") ?? ""
        let address = arguments.value("where") ?? ""
        guard !address.isEmpty || !deviceID.isEmpty else {
            throw CLIError.usage(tr("%1$s: say where: --where ADDRESS or --device ID", "report"))
        }
        location = EventLocation(community: arguments.value("community") ?? "", building: arguments.value("building") ?? "",
                                 address: address, registered: false)
        title = try arguments.required("title")
        description = arguments.value("description") ?? ""
    }

    func run() throws {
        // Where a known device is comes from the registry mirror, looked up by lookoutd.
        var arguments = ["kind": kind, "level": level.rawValue, "title": title]
        for (key, value) in [("where", location.address), ("device", deviceID), ("community", location.community),
                             ("building", location.building), ("description", description)] where !value.isEmpty {
            arguments[key] = value
        }
        let result = try context.request(.report, arguments)
        guard let event = result.event else { throw CLIError.failure(tr("lookoutd answered without the event")) }
        Console.out(EventText.summary(event, style: context.style) + "  " + tr("reported %1$s", CLIContext.byline(result)) + "\n")
    }
}
