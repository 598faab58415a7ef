import Vocabulary

/// Staff actions, merging and escalation: every change checked against the transition table and
/// written with its timeline entry, change-feed entry and outbox row in one transaction.
extension EventStore {
    /// Applies a staff action, checked against the status, with a timeline entry. Throws for unknown ids
    /// and refused transitions.
    ///
    /// Skipping steps is allowed (dispatch, on site or resolve straight from open) and implies the
    /// acknowledgement; see docs/developers.md (EventCore: the event store). `cause` is recorded by a resolve
    /// (a reopen forgets it); lookoutd's staff API checks that it applies to the event's kind.
    @discardableResult
    public func perform(_ action: EventAction, on id: String, actor: String, note: String, cause: EventCause? = nil,
                        at: EpochMillis) throws -> EventRecord {
        try transaction {
            var event = try requireEvent(id: id)
            let from = event.record.status
            let causeBefore = event.record.cause
            guard let next = from.after(action) else {
                throw EventStoreError.invalidTransition(id: event.record.id, from: from, action: action.verb)
            }
            var timelineNote = note
            switch action {
            case .note:
                break
            case .acknowledge:
                event.acknowledgedAt = event.acknowledgedAt ?? at
            case .dispatch(let assignee):
                event.acknowledgedAt = event.acknowledgedAt ?? at
                event.record.assignee = assignee
                timelineNote = "to \(assignee)" + (note.isEmpty ? "" : ": \(note)")
            case .onsite:
                event.acknowledgedAt = event.acknowledgedAt ?? at
                event.onsiteAt = event.onsiteAt ?? at
            case .resolve:
                event.acknowledgedAt = event.acknowledgedAt ?? at
                event.resolvedAt = at
                event.record.cause = cause ?? event.record.cause
                if let cause { timelineNote = "cause: \(cause.rawValue)" + (note.isEmpty ? "" : "; \(note)") }
            case .close:
                event.closedAt = at
            case .reopen:
                if let other = try activeEvent(key: event.record.eventKey), other.rowID != event.rowID {
                    throw EventStoreError.invalidTransition(
                        id: event.record.id, from: from, action: "reopen (\(other.record.id) is open for the same key)")
                }
                restartDeadlines(of: &event, at: at)
                try restartSteps(of: event, at: at)
                event.record.cause = nil
            }
            event.record.status = next
            event.record.updatedAt = at
            try update(event)
            if event.record.cause != causeBefore { try writeCause(event) }
            try recordChange(event, action: action.name, actor: actor, note: timelineNote, at: at)
            if case .reopen = action {
                // Open again: the staff teams are told as at a raise; the chain (relatives among it) starts over.
                try queueNotifications(for: event, targets: TeamName.staff(event.record.teams), step: 0, attempt: nil, reason: "reopened", at: at)
            }
            return event.record
        }
    }

    /// Folds event `id` into `targetID` (same situation reported twice): the source becomes `merged`
    /// and its count is added to the target; both timelines say so.
    @discardableResult
    public func merge(_ id: String, into targetID: String, actor: String, note: String, at: EpochMillis) throws -> EventRecord {
        try transaction {
            var source = try requireEvent(id: id)
            var target = try requireEvent(id: targetID)
            guard source.record.status.canBeMerged, source.rowID != target.rowID, target.record.status != .merged else {
                throw EventStoreError.invalidTransition(id: source.record.id, from: source.record.status,
                                                        action: "merge into \(target.record.id)")
            }
            source.record.status = .merged
            source.mergedInto = target.rowID
            source.record.updatedAt = at
            target.record.count += source.record.count
            target.record.lastSeen = max(target.record.lastSeen, source.record.lastSeen)
            target.record.updatedAt = at
            try update(source)
            try update(target)
            let suffix = note.isEmpty ? "" : ": \(note)"
            try recordChange(source, action: "merged", actor: actor, note: "into \(target.record.id)\(suffix)", at: at)
            try recordChange(target, action: "merged", actor: actor, note: "\(source.record.id) folded in\(suffix)", at: at)
            return target.record
        }
    }

    /// Escalates every open event whose acknowledge or on-site deadline passed by `now` without the
    /// matching step: marks it overdue, raises it to its `escalateTo` level, and records `escalated`
    /// with the reason. Each deadline escalates once. Deadlines that passed while the daemon was stopped
    /// escalate on the first call. Events raised under a silence do not escalate (they are on the
    /// record, not alerted). Returns the escalated events.
    /// Also runs the escalation steps due (see `runEscalations(now:)`, which says what each did).
    @discardableResult
    public func escalateDue(now: EpochMillis) throws -> [EventRecord] {
        try runEscalations(now: now).map(\.event)
    }

    /// Active events with a deadline passed at `?1` and not yet escalated. The partial deadline indexes
    /// hold only pending deadlines, so this stays cheap however many events are open or overdue.
    static let selectDue = """
        SELECT \(StoredEvent.columns) FROM events WHERE silenced = 0 AND id IN (
            SELECT id FROM events INDEXED BY events_ack_due WHERE \(EventSchema.ackDue) AND ack_deadline <= ?1
            UNION
            SELECT id FROM events INDEXED BY events_onsite_due WHERE \(EventSchema.onsiteDue) AND onsite_deadline <= ?1)
        ORDER BY id
        """

    /// Escalates one due event.
    func escalate(_ due: StoredEvent, now: EpochMillis) throws -> Escalation {
        var event = due
        var reasons: [String] = []
        if let deadline = event.record.ackDeadline, deadline <= now, event.acknowledgedAt == nil, !event.acknowledgeEscalated {
            event.acknowledgeEscalated = true
            reasons.append("not acknowledged by \(Self.formatTime(deadline))")
        }
        if let deadline = event.record.onsiteDeadline, deadline <= now, event.onsiteAt == nil, !event.onsiteEscalated {
            event.onsiteEscalated = true
            reasons.append("nobody on site by \(Self.formatTime(deadline))")
        }
        event.record.overdue = true
        if let target = event.record.escalateTo, target > event.record.level {
            reasons.append("level \(event.record.level.rawValue) → \(target.rawValue)")
            event.record.level = target
        }
        event.record.updatedAt = now
        try update(event)
        let note = reasons.joined(separator: "; ")
        try recordChange(event, action: "escalated", actor: Self.daemonActor, note: note, at: now)
        return Escalation(event: event.record, note: note)
    }

    /// On reopen the event starts over: deadlines run again from `at`, steps and escalations are forgotten.
    func restartDeadlines(of event: inout StoredEvent, at: EpochMillis) {
        event.record.ackDeadline = event.acknowledgeWithin.map { Self.adding(at, $0) }
        event.record.onsiteDeadline = event.onsiteWithin.map { Self.adding(at, $0) }
        event.acknowledgedAt = nil
        event.onsiteAt = nil
        event.resolvedAt = nil
        event.closedAt = nil
        event.acknowledgeEscalated = false
        event.onsiteEscalated = false
        event.record.overdue = false
    }
}
