import EventCore
import StaffAPI
import TerminalText
import Vocabulary

/// `lookout devices`: the registry mirror with what the daemon saw of each device.
struct DevicesCommand: Command {
    static let name = "devices"
    static let help = CommandHelp(
        summary: tr("devices: last seen, online/offline, implausible data, battery, open events, rejected messages"),
        usage: "",
        options: [
            .value("kind", "K", help: tr("only this kind")),
            .value("community", "C", help: tr("only this community")),
            .flag("offline", help: tr("only devices that are offline, silent beyond twice their report interval, or never seen")),
            .flag("json", help: tr("print a JSON array")),
        ],
        examples: ["lookout devices --offline", "lookout devices --kind smoke --json"])

    /// What staff need to know about a device's connection.
    enum Connection: String {
        case online, offline, silent
        case neverSeen = "never seen"
        /// Whether it counts as not reachable (`--offline`).
        var isDown: Bool { self != .online }
    }

    /// The connection as staff read it (`online`, 在线); JSON keeps the English value.
    static func word(_ connection: Connection) -> String {
        switch connection {
        case .online: return tr("online")
        case .offline: return tr("offline")
        case .silent: return tr("silent")
        case .neverSeen: return tr("never seen")
        }
    }

    let context: CLIContext
    let kind: String?
    let community: String?
    let offlineOnly: Bool
    let json: Bool

    init(arguments: ParsedArguments) throws {
        context = try CLIContext(arguments: arguments)
        _ = try arguments.positionals(exactly: [])
        kind = arguments.value("kind")
        community = arguments.value("community")
        offlineOnly = arguments.flag("offline")
        json = arguments.flag("json")
    }

    /// The connection state of a device at `now`: an explicit offline status wins, then silence
    /// longer than twice the report interval, then never seen.
    static func connection(of device: DeviceState, now: EpochMillis) -> Connection {
        if device.online == false { return .offline }
        guard device.lastSeen != nil else { return .neverSeen }
        if device.isSilent(now: now) { return .silent }
        return .online
    }

    func run() throws {
        let result = try context.request(.devices, [:])
        let now = context.now
        let openByDevice = result.openEventsByDevice ?? [:]
        // A device with an open `implausible_data` event: its data is not evaluated (lookoutd says which).
        let implausible = Set(result.implausibleDevices ?? [])
        let devices = (result.devices ?? []).filter { device in
            (kind == nil || device.kind == kind) && (community == nil || device.community == community)
                && (!offlineOnly || Self.connection(of: device, now: now).isDown)
        }
        // Unregistered devices beyond `max_unknown_devices` are not kept: a cut list says so.
        let status = DaemonStatusValues(result.daemonStatus?.values ?? [:])
        let overCap = Int64(status[.unknownDevicesOverCap] ?? "") ?? 0
        let cutNote = overCap == 0 ? ""
            : tr("Not listed: unregistered devices beyond [limits] max_unknown_devices (%1$s); %2$d message(s) from them since lookoutd started",
                 status[.maxUnknownDevices] ?? "?", overCap) + "\n"
        if json {
            defer { if !cutNote.isEmpty { Console.err(cutNote) } }
            Console.out(JSONOutput.array(devices.map { device in
                .object([
                    ("id", .string(device.id)), ("kind", .string(device.kind)), ("community", .string(device.community)),
                    ("building", .string(device.building)), ("unit", .string(device.unit)), ("address", .string(device.address)),
                    ("grid", .string(device.grid)), ("owner", .string(device.owner)), ("resident_id", .string(device.residentID)),
                    ("registered", .bool(device.registered)),
                    ("connection", .string(Self.connection(of: device, now: now).rawValue)),
                    ("online", device.online.map { .bool($0) } ?? .null),
                    ("last_seen", .string(device.lastSeen.map(TimeText.iso))),
                    ("report_interval_s", .integer(device.reportIntervalSeconds)),
                    ("battery_pct", device.batteryPercent.map { .number($0) } ?? .null),
                    ("open_events", .integer(Int64(openByDevice[device.id] ?? 0))),
                    ("implausible_data", .bool(implausible.contains(device.id))),
                    ("rejected", .integer(device.rejected)),
                    ("last_reject_at", .string(device.lastRejectAt.map(TimeText.iso))),
                    ("last_reject_reason", .string(device.lastRejectReason)),
                ])
            }).rendered())
            return
        }
        guard !devices.isEmpty else {
            Console.out((offlineOnly ? tr("No offline devices.") : tr("No devices.")) + "\n" + cutNote)
            return
        }
        // The device id is never cut; on a narrow terminal (80 columns) the wide columns shorten, then community,
        // rejected messages, registry, kind and last seen are left out, in that order.
        var table = TextTable(columns: [
            .whole(tr("DEVICE")), .init(tr("KIND"), maxWidth: 10, dropOrder: 4), .init(tr("COMMUNITY"), maxWidth: 12, dropOrder: 1),
            .init(tr("WHERE"), minWidth: 8, maxWidth: 40), .init(tr("STATE"), minWidth: 10),
            .init(tr("LAST SEEN"), alignRight: true, dropOrder: 5),
            .whole(tr("BATTERY"), alignRight: true), .whole(tr("OPEN"), alignRight: true),
            .init(tr("REJECTED"), minWidth: 10, maxWidth: 30, dropOrder: 2), .init(tr("REGISTRY"), dropOrder: 3),
        ])
        for device in devices {
            let connection = Self.connection(of: device, now: now)
            let place = device.address.isEmpty
                ? [device.building, device.unit].filter { !$0.isEmpty }.joined(separator: "/") : device.address
            let battery = device.batteryPercent.map { "\(Int($0.rounded()))%" } ?? "-"
            let batteryColour: TerminalColour? = (device.batteryPercent ?? 100) < 10 ? .alarm
                : (device.batteryPercent ?? 100) < 20 ? .yellow : nil
            let open = openByDevice[device.id] ?? 0
            table.append([
                TextTable.Cell(device.id), TextTable.Cell(device.kind), TextTable.Cell(device.community),
                TextTable.Cell(place.isEmpty ? "-" : place),
                implausible.contains(device.id)
                    ? TextTable.Cell(tr("%1$s, implausible data", Self.word(connection)), colour: .yellow)
                    : TextTable.Cell(Self.word(connection), colour: connection.isDown ? .yellow : .green),
                TextTable.Cell(device.lastSeen.map { tr("%1$s ago", TimeText.span(milliseconds: now - $0)) } ?? "-"),
                TextTable.Cell(battery, colour: batteryColour),
                TextTable.Cell(String(open), colour: open > 0 ? .bold : nil),
                TextTable.Cell(device.rejected == 0 ? "-" : "\(device.rejected) (\(device.lastRejectReason))",
                               colour: device.rejected == 0 ? nil : .yellow),
                TextTable.Cell(device.registered ? tr("registered") : tr("unregistered"), colour: device.registered ? nil : .yellow),
            ])
        }
        Console.out(table.render(totalWidth: context.width, style: context.style) + context.style.paint(cutNote, .bold))
    }
}
