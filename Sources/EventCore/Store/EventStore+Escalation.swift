import Vocabulary

/// Escalation chains and report-in ("the grid raises the alarm, departments report in"): each event keeps its
/// rule's steps with their due times (`event_steps`), and the teams brought in with whether and when each
/// reported in (`event_teams`). Steps are rows, so a step due while the daemon was stopped runs at its next check.
extension EventStore {
    /// Runs every deadline escalation and escalation step due by `now`, in one transaction. Returns what each did,
    /// in order (an event can appear twice: a missed deadline and a step).
    public func runEscalations(now: EpochMillis) throws -> [Escalation] {
        try transaction {
            var done = try connection.cached(Self.selectDue).query([now], StoredEvent.init(row:)).map { event in
                try escalate(event, now: now)
            }
            let steps = try connection.cached(Self.selectDueSteps).query([now], ScheduledStep.init(row:))
            for step in steps {
                if let escalation = try run(step, now: now) { done.append(escalation) }
            }
            return done
        }
    }

    /// Records that `team` reported in (acknowledged its part) on event `id`. The event's own first acknowledgement
    /// is set too if nobody had taken it, so its time to acknowledge stays the first one. Throws for a team the
    /// event has not brought in, a team that already reported in, or an event no longer active.
    @discardableResult
    public func reportIn(_ id: String, team: String, actor: String, note: String, at: EpochMillis) throws -> EventRecord {
        try transaction {
            var event = try requireEvent(id: id)
            guard event.record.status.isActive else {
                throw EventStoreError.invalidTransition(id: event.record.id, from: event.record.status, action: "report in for \(team)")
            }
            guard event.record.teams.contains(team) else {
                throw EventStoreError.unknownTeam(id: event.record.id, team: team, teams: event.record.teams)
            }
            let existing = try teams(ofRowID: event.rowID).first { $0.team == team }
            if let existing, let reportedAt = existing.reportedAt {
                throw EventStoreError.alreadyReportedIn(id: event.record.id, team: team, at: reportedAt, by: existing.reportedBy)
            }
            try connection.cached("""
                INSERT INTO event_teams (event_id, team, step, brought_in_at, report_required, reported_at, reported_by)
                VALUES (?1, ?2, 0, ?3, 0, ?4, ?5)
                ON CONFLICT (event_id, team) DO UPDATE SET reported_at = ?4, reported_by = ?5
                """).execute(binding: event.rowID, team, event.record.firstSeen, at, actor)
            let previous = event
            var parts = [team]
            if event.record.status == .open {
                event.acknowledgedAt = event.acknowledgedAt ?? at
                event.record.status = .acknowledged
                parts.append("the event's first acknowledgement")
            }
            let waiting = try teams(ofRowID: event.rowID).filter { $0.reportRequired && $0.reportedAt == nil }.map(\.team)
            if !waiting.isEmpty { parts.append("waiting for \(waiting.joined(separator: ", "))") }
            if !note.isEmpty { parts.append(note) }
            event.record.updatedAt = max(event.record.updatedAt, at)
            try update(event, previous: previous)
            try recordChange(event, action: "reported_in", actor: actor, note: parts.joined(separator: "; "), at: at)
            return event.record
        }
    }

    /// The teams of event `id` with when each was brought in and reported in: the rule's own teams (brought in
    /// at the raise) first, then those steps brought in, in order.
    public func teams(of id: String) throws -> [EventTeam] {
        let event = try requireEvent(id: id)
        let rows = try teams(ofRowID: event.rowID)
        var result: [EventTeam] = []
        for team in event.record.teams {
            result.append(rows.first { $0.team == team }
                ?? EventTeam(team: team, step: 0, broughtInAt: event.record.firstSeen, reportRequired: false, reportedAt: nil, reportedBy: ""))
        }
        return result
    }

    /// Rows of `event_teams` for one event, in the order they were brought in.
    func teams(ofRowID rowID: Int64) throws -> [EventTeam] {
        try connection.cached("""
            SELECT team, step, brought_in_at, report_required, reported_at, reported_by FROM event_teams
            WHERE event_id = ? ORDER BY brought_in_at, step, team
            """).query([rowID]) { row in
            EventTeam(team: row.text(0), step: Int(row.int64(1)), broughtInAt: row.int64(2), reportRequired: row.bool(3),
                      reportedAt: row.optionalInt64(4), reportedBy: row.text(5))
        }
    }

    /// Per team, how fast the teams brought in with `report in` reported in, for events first raised in
    /// `[from, to)`: the figure each department is asked about, beside the event's own time to acknowledge.
    /// `community`: only events of that community.
    public func reportInStatistics(from: EpochMillis, to: EpochMillis, community: String? = nil) throws -> [TeamReportIn] {
        let rows = try connection.cached("""
            SELECT t.team, t.reported_at - t.brought_in_at FROM event_teams t JOIN events e ON e.id = t.event_id
            WHERE t.report_required = 1 AND e.first_seen >= ?1 AND e.first_seen < ?2 AND (?3 IS NULL OR e.community = ?3)
            ORDER BY t.team
            """).query([from, to, community]) { row in (row.text(0), row.optionalInt64(1)) }
        var byTeam: [String: [EpochMillis?]] = [:]
        for (team, took) in rows { byTeam[team, default: []].append(took) }
        return byTeam.keys.sorted().map { team in
            let all = byTeam[team] ?? []
            let took = all.compactMap { $0 }.map { max($0, 0) }.sorted()
            return TeamReportIn(team: team, broughtIn: all.count, reportedIn: took.count,
                                medianMillis: took.isEmpty ? nil : took[(took.count - 1) / 2], maxMillis: took.last)
        }
    }

    // MARK: Scheduling

    /// Schedules `steps` for a new event from `at`; a hidden event's steps wait until it is shown.
    func scheduleSteps(_ steps: [EscalationStep], for event: StoredEvent, from at: EpochMillis) throws {
        for (index, step) in steps.enumerated() {
            try connection.cached("""
                INSERT OR IGNORE INTO event_steps (event_id, step, after_ms, condition, teams, report_in, level, min_level, due_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(binding: event.rowID, Int64(index + 1), step.afterMillis, step.condition.rawValue,
                             StoredEvent.encodeTeams(step.teams), step.reportIn, step.level?.rawValue,
                             event.record.level.rawValue, event.record.silenced ? nil : Self.adding(at, step.afterMillis))
        }
    }

    /// An event upgraded to its rule's level (a flapping detector whose alarm then held) gets the chain then.
    func scheduleStepsIfNone(_ steps: [EscalationStep], for event: StoredEvent, from at: EpochMillis) throws {
        guard !steps.isEmpty else { return }
        let count = try connection.cached("SELECT count(*) FROM event_steps WHERE event_id = ?").queryFirst([event.rowID]) { $0.int64(0) }
        if count ?? 0 == 0 { try scheduleSteps(steps, for: event, from: at) }
    }

    /// A reopened event runs its chain again from `at`.
    func restartSteps(of event: StoredEvent, at: EpochMillis) throws {
        try connection.cached("""
            UPDATE event_steps SET done_at = NULL, outcome = '', due_at = ?1 + after_ms WHERE event_id = ?2
            """).execute(binding: at, event.rowID)
    }

    /// What a step skipped because its event was below the chain's level says (`rearmLoweredSteps`).
    static let loweredOutcome = "skipped: event lowered to"

    /// An event raised again to its chain's level (a cancelled call pressed again): the steps skipped while it was
    /// lower run again, counted from `at`, as the README promises for an upgrade.
    func rearmLoweredSteps(of event: StoredEvent, at: EpochMillis) throws {
        try connection.cached("""
            UPDATE event_steps SET done_at = NULL, outcome = '', due_at = ?1 + after_ms
            WHERE event_id = ?2 AND done_at IS NOT NULL AND min_level = ?3 AND substr(outcome, 1, length(?4)) = ?4
            """).execute(binding: at, event.rowID, event.record.level.rawValue, Self.loweredOutcome)
    }

    /// A hidden event that surfaces starts the steps it has not run from `at`, like its deadlines.
    func armSteps(of event: StoredEvent, at: EpochMillis) throws {
        try connection.cached("""
            UPDATE event_steps SET due_at = ?1 + after_ms WHERE event_id = ?2 AND done_at IS NULL
            """).execute(binding: at, event.rowID)
    }

    /// Steps due at `?1`, oldest first; the partial index holds only steps not yet run.
    private static let selectDueSteps = """
        SELECT event_id, step, condition, teams, report_in, level, min_level, after_ms FROM event_steps
        INDEXED BY event_steps_due WHERE done_at IS NULL AND due_at IS NOT NULL AND due_at <= ?1
        ORDER BY due_at, event_id, step
        """

    /// A step as scheduled.
    private struct ScheduledStep {
        var eventRowID: Int64
        var number: Int64
        var step: EscalationStep
        var minimumLevel: AlertLevel

        init(row: SQLiteRow) {
            eventRowID = row.int64(0)
            number = row.int64(1)
            step = EscalationStep(afterMillis: row.int64(7), condition: EscalationStep.Condition(rawValue: row.text(2)) ?? .open,
                                  level: row.optionalText(5).flatMap(AlertLevel.init(rawValue:)),
                                  teams: StoredEvent.decodeTeams(row.text(3)), reportIn: row.bool(4))
            minimumLevel = AlertLevel(rawValue: row.text(6)) ?? .green
        }
    }

    /// Runs one due step: brings in its teams, raises the level, and says so on the timeline (`escalated`, which
    /// rings `watch`). A step whose condition no longer holds is marked done without a change. Returns nil then.
    private func run(_ scheduled: ScheduledStep, now: EpochMillis) throws -> Escalation? {
        guard var event = try storedEvent(rowID: scheduled.eventRowID) else { return nil }
        let step = scheduled.step
        var skipped: String?
        if !event.record.status.isActive {
            skipped = "event \(event.record.status.rawValue)"
        } else if step.condition == .unacknowledged, event.acknowledgedAt != nil {
            skipped = "acknowledged"
        } else if step.condition == .notOnsite, event.onsiteAt != nil {
            skipped = "someone on site"
        } else if event.record.level < scheduled.minimumLevel {
            skipped = "\(Self.loweredOutcome.dropFirst("skipped: ".count)) \(event.record.level.rawValue)"
        } else if event.record.silenced {
            return nil  // Hidden meanwhile: it runs when the event is shown (`armSteps`).
        }
        func markDone(_ outcome: String) throws {
            try connection.cached("UPDATE event_steps SET done_at = ?, outcome = ? WHERE event_id = ? AND step = ?")
                .execute(binding: now, outcome, scheduled.eventRowID, scheduled.number)
        }
        if let skipped {
            try markDone("skipped: \(skipped)")
            return nil
        }
        let previous = event
        let present = try teams(ofRowID: event.rowID)
        var broughtIn: [String] = []
        var already: [String] = []
        for team in step.teams {
            if let row = present.first(where: { $0.team == team }) {
                already.append(team)
                if step.reportIn, !row.reportRequired {
                    try connection.cached("UPDATE event_teams SET report_required = 1 WHERE event_id = ? AND team = ?")
                        .execute(binding: event.rowID, team)
                }
                continue
            }
            let atRaise = event.record.teams.contains(team)
            try connection.cached("""
                INSERT INTO event_teams (event_id, team, step, brought_in_at, report_required) VALUES (?, ?, ?, ?, ?)
                """).execute(binding: event.rowID, team, atRaise ? 0 : scheduled.number,
                             atRaise ? event.record.firstSeen : now, step.reportIn)
            if atRaise { already.append(team) } else { broughtIn.append(team) }
        }
        var parts: [String] = []
        if !broughtIn.isEmpty {
            event.record.teams += broughtIn
            try connection.cached("UPDATE events SET teams = ? WHERE id = ?")
                .execute(binding: StoredEvent.encodeTeams(event.record.teams), event.rowID)
            parts.append("brought in \(broughtIn.joined(separator: ", "))")
        }
        if !already.isEmpty { parts.append("reminded \(already.joined(separator: ", "))") }
        if step.reportIn, !step.teams.isEmpty { parts.append("each must report in") }
        if let target = step.level, target > event.record.level {
            parts.append("level \(event.record.level.rawValue) → \(target.rawValue)")
            event.record.level = target
        }
        let condition = switch step.condition {
        case .open: ""
        case .unacknowledged: ", not acknowledged"
        case .notOnsite: ", nobody on site"
        }
        let note = "step \(scheduled.number) (after \(step.afterMillis / 1000) s\(condition)): "
            + (parts.isEmpty ? "nothing left to do" : parts.joined(separator: "; "))
        event.record.updatedAt = max(event.record.updatedAt, now)
        try update(event, previous: previous)
        // Read from its row and written back whole (teams above): the cache keeps it, so the next report of the
        // event (an alarm repeats) does not read it again.
        if event.record.status.isActive { remember(event) }
        try recordChange(event, action: "escalated", actor: Self.daemonActor, note: note, at: now)
        // The teams the step brings in or reminds are told out of band, with the step's number in the key.
        try queueNotifications(for: event, targets: broughtIn + already, step: Int(scheduled.number), attempt: nil,
                               reason: "escalation step \(scheduled.number)", at: now)
        try markDone(note)
        return Escalation(event: event.record, note: note, step: Int(scheduled.number), broughtIn: broughtIn,
                          reminded: already)
    }
}
