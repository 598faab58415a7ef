import EventCore
import TerminalText
import Vocabulary

/// What `lookout watch` prints of the change feed, however it arrives: which changes are history (a replay) and
/// which are live, which lines ring, on which line an event's address is shown, and each line fitted to the terminal.
///
/// Bell: a live change rings when the event is red and the change calls for attention (`alertingActions`), and at
/// every escalation. History (`--replay`, `--since-start`: the changes up to the newest one when the watch started)
/// does not ring, except once per event for a red event that is still open and unacknowledged at the end of the
/// history (raised, or surfaced from an ended silence, and nobody has taken it): the bell goes with its last line.
/// A silenced event never rings. Address: shown on the first line of an event, and again when it changed or the
/// line rings; left out when the title already holds it.
struct WatchFeed {
    /// The watch's options (filters, bell) and how to print.
    let command: WatchCommand
    /// The newest change when the watch started: changes up to it are history. Nil when there is none to wait for.
    private var historyEnd: Int64?
    /// History received and not yet printed (its bells depend on how each event stands at the end of it).
    private var history: [(change: EventChange, teams: [EventTeam])] = []
    /// The address last shown for each event.
    private var placeShown: [String: String] = [:]
    /// Events this watch has rung for while printing history.
    private var rung: Set<String> = []
    /// Whether lookoutd's first line of the watch came.
    private var sawFirstLine = false

    init(command: WatchCommand) { self.command = command }

    /// Called with lookoutd's first line of the watch's first connection: `latest`, the newest change then; `start`,
    /// where the feed starts. Changes between them are history; a resumed connection (lookoutd was down) has none.
    mutating func started(latest: Int64?, start: Int64?) {
        if let latest, let start, start < latest { historyEnd = latest }
    }

    /// The text to print for a batch of changes (empty while history is still arriving). `teams`: report-in by
    /// event id; `width`: the terminal's columns, nil when unknown.
    mutating func receive(_ changes: [EventChange], teams: [String: [EventTeam]], now: EpochMillis, width: Int?) -> String {
        // lookoutd's first line carries no changes; a later empty line is a heartbeat: nothing more is coming now.
        let heartbeat = changes.isEmpty && sawFirstLine
        sawFirstLine = true
        var out = ""
        for change in changes {
            let eventTeams = teams[change.event.id] ?? []
            if let end = historyEnd {
                if change.sequence <= end {
                    history.append((change, eventTeams))
                    continue
                }
                out += flushHistory(now: now, width: width)
            }
            guard command.matches(change.event) else { continue }
            out += render(change, teams: eventTeams, ring: Self.callsLive(change), now: now, width: width)
        }
        // The history is complete once the newest change of it came, or lookoutd has nothing more (a heartbeat).
        if let end = historyEnd, heartbeat || (changes.last?.sequence ?? 0) >= end {
            out += flushHistory(now: now, width: width)
        }
        return out
    }

    /// Whether a live change calls for the bell (before `--bell` and silencing are considered).
    static func callsLive(_ change: EventChange) -> Bool {
        change.action == "escalated" || (change.event.level == .red && WatchCommand.alertingActions.contains(change.action))
    }

    /// Whether an event, as it stands, still calls for someone: red, open (nobody acknowledged it), not silenced.
    static func stillCalls(_ event: EventRecord) -> Bool {
        event.level == .red && event.status == .open && !event.silenced
    }

    /// Prints the history received: lines without bells, but the last line of an event that still calls for
    /// someone at the end of the history rings (once per event).
    private mutating func flushHistory(now: EpochMillis, width: Int?) -> String {
        historyEnd = nil
        var lastIndex: [String: Int] = [:]
        for (index, item) in history.enumerated() { lastIndex[item.change.event.id] = index }
        var out = ""
        for (index, item) in history.enumerated() where command.matches(item.change.event) {
            let id = item.change.event.id
            let ring = lastIndex[id] == index && Self.stillCalls(item.change.event) && !rung.contains(id)
            if ring { rung.insert(id) }
            out += render(item.change, teams: item.teams, ring: ring, now: now, width: width)
        }
        history = []
        return out
    }

    /// One line for a change, ending in a newline (and the bell when `ring` and the watch rings at all).
    private mutating func render(_ change: EventChange, teams: [EventTeam], ring: Bool, now: EpochMillis, width: Int?) -> String {
        let event = change.event
        let bell = ring && command.bell && !event.silenced
        let place = TextSanitizer.sanitize(EventText.place(event))
        let title = TextSanitizer.sanitize(event.title)
        let showPlace = !title.contains(place) && (placeShown[event.id] != place || bell)
        let line = WatchLine(Self.parts(change, teams: teams, place: showPlace ? place : nil, now: now, style: command.context.style),
                             width: width)
        if line.contains(.place) || title.contains(place) { placeShown[event.id] = place }
        return line.rendered(style: command.context.style) + (bell ? "\u{07}" : "") + "\n"
    }

    /// Who made a change, when it was a person (lookoutd and devices are not named).
    static func actor(of change: EventChange) -> String? {
        guard let actor = change.actor, !actor.isEmpty, actor != EventStore.daemonActor, actor != EventStore.deviceActor else {
            return nil
        }
        return tr("by %1$s", TextSanitizer.sanitize(actor))
    }

    /// The parts of a change's line, in order, with how each gives way (see `WatchLine.Step`).
    static func parts(_ change: EventChange, teams: [EventTeam], place: String?, now: EpochMillis,
                      style: TerminalStyle) -> [WatchLine.Part] {
        typealias Step = WatchLine.Step
        let event = change.event
        let clock = TimeText.clock(change.at > 0 ? change.at : event.updatedAt)
        let actionColour: TerminalColour? = change.action == "escalated" ? .alarm
            : change.action == "raised" || change.action == "unsilenced" ? EventText.colour(of: event.level) : .cyan
        var parts: [WatchLine.Part] = [
            // When the change happened (a re-notification leaves the event's own time as it was).
            // Without seconds when the line is short of room; the zone mark (`+08`), when there is one, stays.
            .init(text: clock, shorter: (Step.minutes, String(clock.prefix(5)) + String(clock.dropFirst(8)))),
            .init(text: TextSanitizer.sanitize(EventText.actionWord(change.action).uppercased()), colour: actionColour,
                  pad: actionWidth),
            .init(text: TextSanitizer.sanitize(event.id), pad: 7),
            .init(text: EventText.levelWord(event.level), colour: EventText.colour(of: event.level), pad: levelWidth),
            .init(text: EventText.statusWord(event.status), pad: statusWidth, drop: Step.status),
            .init(text: TextSanitizer.sanitize(event.kind), pad: 5, drop: Step.kind),
            .init(text: TextSanitizer.sanitize(event.deviceID.isEmpty ? "-" : event.deviceID), pad: 7),
        ]
        if let actor = actor(of: change) { parts.append(.init(text: actor, drop: Step.actor)) }
        if change.action == "dispatched", !event.assignee.isEmpty {
            parts.append(.init(text: "→ " + TextSanitizer.sanitize(event.assignee), drop: Step.target))
        }
        parts.append(.init(text: TextSanitizer.sanitize(event.title), shrink: Step.title, minimum: 12, drop: Step.dropTitle))
        if let place {
            parts.append(.init(text: "(" + place + ")", shrink: Step.place, minimum: 10, drop: Step.dropPlace, role: .place))
        }
        let deadline = EventText.deadline(event, now: now)
        if deadline.text != "-" { parts.append(.init(text: deadline.text, colour: deadline.colour, drop: Step.deadline)) }
        parts.append(.init(text: tr("raised %1$s ago", TimeText.span(milliseconds: now - event.firstSeen)), drop: Step.age))
        if let lateness = EventText.lateness(event, now: now) {
            parts.append(.init(text: lateness, colour: .yellow, drop: Step.lateness))
        }
        if event.count > 1 { parts.append(.init(text: "×\(event.count)", drop: Step.count)) }
        if let maintenance = EventText.maintenance(event) {
            parts.append(.init(text: event.silenced ? "(\(maintenance))" : "[\(maintenance)]", colour: event.silenced ? nil : .yellow,
                               shrink: Step.maintenance, minimum: 12, drop: Step.dropMaintenance))
        }
        let reportIn = EventText.reportIn(teams, now: now)
        if !reportIn.isEmpty {
            parts.append(.init(text: "[" + TextSanitizer.sanitize(reportIn) + "]", shrink: Step.reportIn, minimum: 12,
                               drop: Step.dropReportIn))
        }
        return parts
    }

    /// The widest action word in the staff's language: actions line up.
    static var actionWidth: Int {
        ["acknowledged", "dispatched", "escalated", "renotified", "unsilenced"].map {
            DisplayWidth.of(EventText.actionWord($0).uppercased())
        }.max() ?? 12
    }

    /// The widest level word in the staff's language.
    static var levelWidth: Int { AlertLevel.allCases.map { DisplayWidth.of(EventText.levelWord($0)) }.max() ?? 6 }

    /// The widest open status word in the staff's language.
    static var statusWidth: Int {
        [EventStatus.open, .acknowledged, .dispatched, .onsite].map { DisplayWidth.of(EventText.statusWord($0)) }.max() ?? 12
    }
}
