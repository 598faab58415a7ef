import Vocabulary

/// The shift handover (`lookout handover`): the summary, and the handovers recorded in the audit.
extension EventStore {
    /// The summary of the shift from `since` (default: the last accepted handover, or `defaultShiftMillis` ago) to
    /// `now`, with the last handover recorded.
    public func shiftHandover(since: EpochMillis? = nil, now: EpochMillis) throws -> ShiftHandover {
        let start = try since ?? shiftStart(now: now)
        var everyOpen = EventFilter()
        everyOpen.limit = Int.max
        let events = try self.events(everyOpen)
        var escalations: [TimelineEntry] = []
        for event in events {
            escalations += try timeline(of: event.id).filter { $0.action == "escalated" }
        }
        return ShiftHandover(
            since: start, until: now, events: events, escalations: escalations.sorted { $0.at < $1.at },
            silences: try listSilences(now: now), awayNotes: try listAwayNotes(now: now),
            offlineDevices: try devices().filter { $0.online == false || $0.isSilent(now: now) }.sorted { $0.id < $1.id },
            notes: try shiftNotes(since: start, until: now), last: try lastHandover())
    }

    /// When the current shift began: the last accepted handover, or `defaultShiftMillis` before `now`.
    public func shiftStart(now: EpochMillis) throws -> EpochMillis {
        try connection.cached("""
            SELECT at FROM api_audit WHERE operation = ? AND outcome = 'ok' ORDER BY id DESC LIMIT 1
            """).queryFirst([ShiftHandover.acceptOperation]) { $0.int64(0) } ?? now - ShiftHandover.defaultShiftMillis
    }

    /// The last handover recorded, with who took it over if anyone did.
    public func lastHandover() throws -> ShiftHandover.Record? {
        guard let give = try connection.cached("""
            SELECT id, at, user, detail FROM api_audit WHERE operation = ? AND outcome = 'ok' ORDER BY id DESC LIMIT 1
            """).queryFirst([ShiftHandover.giveOperation], { row in
                (id: row.int64(0), at: row.int64(1), user: row.text(2), detail: row.text(3))
            }) else { return nil }
        var detail = Substring(give.detail)
        if detail.hasPrefix("to ") { detail = detail.dropFirst(3) }
        let to = detail.prefix { $0 != ":" }
        let note = detail.dropFirst(to.count).drop { $0 == ":" || $0 == " " }
        var record = ShiftHandover.Record(at: give.at, from: give.user, to: String(to), note: String(note))
        if let accept = try connection.cached("""
            SELECT at, user FROM api_audit WHERE id > ? AND operation = ? AND outcome = 'ok' ORDER BY id LIMIT 1
            """).queryFirst([give.id, ShiftHandover.acceptOperation], { row in (at: row.int64(0), user: row.text(1)) }) {
            record.acceptedAt = accept.at
            record.acceptedBy = accept.user
        }
        return record
    }

    /// Notes staff wrote on events from `since` to `until` (on any action: a note, an acknowledgement with a note, a
    /// resolution), found through the audit of the requests that wrote them, oldest first.
    func shiftNotes(since: EpochMillis, until: EpochMillis) throws -> [TimelineEntry] {
        let eventIDs = try connection.cached("""
            SELECT DISTINCT event_id FROM api_audit
            WHERE at >= ? AND at <= ? AND outcome = 'ok' AND event_id != '' AND operation NOT IN ('show', 'events')
            """).query([since, until]) { $0.text(0) }
        var notes: [TimelineEntry] = []
        for id in eventIDs {
            notes += try timeline(of: id).filter {
                $0.at >= since && $0.at <= until && !$0.note.isEmpty
                    && $0.actor != Self.daemonActor && $0.actor != Self.deviceActor
            }
        }
        return notes.sorted { ($0.at, $0.eventID) < ($1.at, $1.eventID) }
    }
}
