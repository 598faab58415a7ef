import Vocabulary

/// Maintenance silences: scoped by device, building, community, device kind and rule, until a time, with a
/// reason, on the record. A silence hides the events raised under it only while it is in force: when it
/// ends (expires or is lifted) they are shown again with their deadlines starting then (`releaseEndedSilences`).
extension EventStore {
    /// Adds a silence; returns it. With a `policy`, refuses (`SilenceRefusal`) a silence that covers no
    /// registered device or names a rule that is not loaded, and one longer than the policy's maximum or
    /// covering a whole community unless `force`.
    @discardableResult
    public func addSilence(scope: SilenceScope, until: EpochMillis, reason: String, actor: String,
                           at: EpochMillis = WallClock.now(), policy: SilencePolicy? = nil,
                           force: Bool = false) throws -> Silence {
        guard !scope.isEmpty else { throw SilenceRefusal.emptyScope }
        return try transaction {
            if let policy { try check(scope, until: until, at: at, policy: policy, force: force) }
            try connection.cached("""
                INSERT INTO silences (scope, community, building, device_id, kind, rule, created_at, until, reason, actor)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute([scope.label, scope.community, scope.building, scope.deviceID, scope.kind, scope.rule,
                              at, until, reason, actor])
            return Silence(id: connection.lastInsertRowID, scope: scope, createdAt: at, until: until, reason: reason, actor: actor)
        }
    }

    /// Silences in force at `now`, soonest ending first.
    public func listSilences(now: EpochMillis) throws -> [Silence] {
        try connection.cached("""
            SELECT \(Self.silenceColumns) FROM silences
            WHERE removed_at IS NULL AND until > ? ORDER BY until, id
            """).query([now], Self.silence(row:))
    }

    /// Each silence in force at `now` with what it holds back: the events it hides, the red life-safety
    /// events raised under it (shown anyway), and how many registered devices it covers.
    public func silenceHolds(now: EpochMillis) throws -> [SilenceHold] {
        let unfinished = "(\(EventSchema.activeCondition) OR status = 'cleared')"
        let hidden = try connection.cached("""
            SELECT \(StoredEvent.columns) FROM events
            WHERE silenced = 1 AND \(unfinished) AND \(Self.covers(silence: Self.boundScope, event: Self.eventColumns))
            ORDER BY id
            """)
        let shown = try connection.cached("""
            SELECT \(StoredEvent.columns) FROM events
            WHERE silenced = 0 AND maintenance IS NOT NULL AND first_seen >= ?6 AND \(unfinished)
                AND \(Self.covers(silence: Self.boundScope, event: Self.eventColumns))
            ORDER BY id
            """)
        return try listSilences(now: now).map { silence in
            let scope = Self.bindings(silence.scope)
            return SilenceHold(
                silence: silence,
                hiddenEvents: try hidden.query(scope) { StoredEvent(row: $0).record },
                shownEvents: try shown.query(scope + [silence.createdAt]) { StoredEvent(row: $0).record },
                devices: try registeredDevices(in: silence.scope))
        }
    }

    /// Ends a silence early (the row stays on the record) and shows the events it hid, in one transaction;
    /// false when no such silence is in force.
    @discardableResult
    public func removeSilence(id: Int64, at: EpochMillis = WallClock.now(), actor: String = EventStore.daemonActor) throws -> Bool {
        try transaction {
            try connection.cached("UPDATE silences SET removed_at = ? WHERE id = ? AND removed_at IS NULL AND until > ?")
                .execute([at, id, at])
            guard connection.changedRowCount > 0 else { return false }
            try releaseEndedSilencesInTransaction(now: at, actor: actor)
            return true
        }
    }

    /// Shows again every event hidden by a silence that has ended (expired, or lifted by a program that did
    /// not release them) and that no other silence in force covers: it leaves `silenced`, gets an
    /// `unsilenced` timeline and change-feed entry (`lookout watch` rings), and its deadlines not yet met run
    /// from `now`; escalation then applies as usual. Cheap when no silence has ended since the last call.
    /// Returns the events shown.
    @discardableResult
    public func releaseEndedSilences(now: EpochMillis, actor: String = EventStore.daemonActor) throws -> [EventRecord] {
        try transaction { try releaseEndedSilencesInTransaction(now: now, actor: actor) }
    }

    /// `releaseEndedSilences` inside the caller's transaction.
    @discardableResult
    func releaseEndedSilencesInTransaction(now: EpochMillis, actor: String) throws -> [EventRecord] {
        let ended = try connection.cached("""
            SELECT \(Self.silenceColumns), removed_at FROM silences
            WHERE released_at IS NULL AND (removed_at IS NOT NULL OR until <= ?) ORDER BY id
            """).query([now]) { row in (silence: Self.silence(row: row), removedAt: row.optionalInt64(9)) }
        guard !ended.isEmpty else { return [] }
        let hidden = try connection.cached("""
            SELECT \(StoredEvent.columns) FROM events INDEXED BY events_silenced
            WHERE silenced = 1 AND (\(EventSchema.activeCondition) OR status = 'cleared')
                AND \(Self.covers(silence: Self.boundScope, event: Self.eventColumns))
            ORDER BY id
            """)
        var released: [EventRecord] = []
        for (silence, removedAt) in ended {
            let how = removedAt.map { "lifted at \(Self.formatTime($0))" } ?? "expired at \(Self.formatTime(silence.until))"
            for var event in try hidden.query(Self.bindings(silence.scope), StoredEvent.init(row:)) {
                if try coveringSilence(of: event.record, at: now) != nil { continue }
                try unsilence(&event, at: now, actor: actor, note: "silence #\(silence.id) \(how): \(silence.reason); shown now, deadlines run from now")
                released.append(event.record)
            }
        }
        let markReleased = try connection.cached("UPDATE silences SET released_at = ? WHERE id = ?")
        for entry in ended { try markReleased.execute([now, entry.silence.id]) }
        return released
    }

    /// Shows a hidden event from `at` on: not silenced, deadlines not yet met restarted from `at` (it was
    /// never alerted, so nobody could have met them), an `unsilenced` entry with `note`.
    func unsilence(_ event: inout StoredEvent, at: EpochMillis, actor: String, note: String) throws {
        let previous = event
        event.record.silenced = false
        if event.record.status.isActive {
            if event.acknowledgedAt == nil, !event.acknowledgeEscalated, let window = event.acknowledgeWithin {
                event.record.ackDeadline = Self.adding(at, window)
            }
            if event.onsiteAt == nil, !event.onsiteEscalated, let window = event.onsiteWithin {
                event.record.onsiteDeadline = Self.adding(at, window)
            }
        }
        event.record.updatedAt = max(event.record.updatedAt, at)
        try update(event, previous: previous)
        if event.record.status.isActive { try armSteps(of: event, at: at) }
        try recordChange(event, action: "unsilenced", actor: actor, note: note, at: at)
        if event.record.status.isActive {
            try queueNotifications(for: event, targets: event.record.teams, step: 0, attempt: nil, reason: "unsilenced", at: at)
        }
    }

    /// The silence covering an event of `rule` on a device (its kind and place) at `at`, if any; the one
    /// ending last when several do.
    func coveringSilence(deviceID: String, location: EventLocation, kind: String, rule: String, at: EpochMillis) throws -> Silence? {
        try connection.cached(Self.coveringSilenceSQL)
            .queryFirst([at, deviceID, location.community, location.building, kind, rule], Self.silence(row:))
    }

    /// The query of `coveringSilence`, built once (it runs for every new event).
    private static let coveringSilenceSQL = """
        SELECT \(silenceColumns) FROM silences
        WHERE removed_at IS NULL AND until > ?1
            AND \(covers(silence: silenceColumnNames, event: ("?2", "?3", "?4", "?5", "?6")))
        ORDER BY until DESC LIMIT 1
        """

    /// The silence covering `event` at `at`, if any.
    func coveringSilence(of event: EventRecord, at: EpochMillis) throws -> Silence? {
        try coveringSilence(deviceID: event.deviceID, location: event.location, kind: event.kind, rule: event.rule, at: at)
    }

    /// Registered devices (in the daemon's mirror of the registry) that `scope` covers; the rule part of a
    /// scope does not narrow it (which devices a rule reads is the rule files' business).
    public func registeredDevices(in scope: SilenceScope) throws -> Int {
        let count = try connection.cached("""
            SELECT count(*) FROM devices WHERE registered = 1
                AND \(Self.covers(silence: Self.boundScope, event: ("id", "community", "building", "kind", "?5")))
            """).queryFirst(Self.bindings(scope)) { $0.int64(0) }
        return Int(count ?? 0)
    }

    /// Refuses what `policy` does not allow (see `addSilence`).
    private func check(_ scope: SilenceScope, until: EpochMillis, at: EpochMillis, policy: SilencePolicy, force: Bool) throws {
        if !scope.rule.isEmpty, let rules = policy.knownRules, !rules.contains(scope.rule) {
            throw SilenceRefusal.coversNothing("no rule named '\(scope.rule)' is loaded by lookoutd")
        }
        if try registeredDevices(in: scope) == 0 {
            throw SilenceRefusal.coversNothing("the silence covers no registered device (check the device id, community, building and kind)")
        }
        var reasons: [String] = []
        if Self.elapsed(from: at, to: until) > policy.maximumMillis {
            reasons.append("it lasts longer than the maximum of \(Self.hours(policy.maximumMillis)) ([silences] max_duration)")
        }
        if scope.coversWholeCommunity {
            reasons.append(scope.community.isEmpty ? "it covers every community" : "it covers the whole community \(scope.community)")
        }
        if !reasons.isEmpty, !force { throw SilenceRefusal.needsForce(reasons) }
    }

    /// A maximum duration in whole hours, or minutes when it is not whole hours.
    private static func hours(_ millis: EpochMillis) -> String {
        millis % 3_600_000 == 0 ? "\(millis / 3_600_000) h" : "\(millis / 60_000) min"
    }

    // MARK: Matching

    /// Columns read for a silence, in the order `silence(row:)` expects.
    private static let silenceColumns = "id, community, building, device_id, kind, rule, created_at, until, reason, actor"
    /// The scope columns of `silences`: device, community, building, kind, rule.
    private static let silenceColumnNames = ("device_id", "community", "building", "kind", "rule")
    /// The same fields of `events`.
    private static let eventColumns = ("device_id", "community", "building", "kind", "rule")
    /// A scope bound as `?1`…`?5` (see `bindings`).
    private static let boundScope = ("?1", "?2", "?3", "?4", "?5")

    /// The one definition of "a silence covers an event": each scope field is empty or equal. Both sides are
    /// SQL expressions (columns or parameters), in the order device, community, building, kind, rule.
    static func covers(silence s: (String, String, String, String, String), event e: (String, String, String, String, String)) -> String {
        let pairs = [(s.0, e.0), (s.1, e.1), (s.2, e.2), (s.3, e.3), (s.4, e.4)]
        return "(" + pairs.map { "(\($0.0) = '' OR \($0.0) = \($0.1))" }.joined(separator: " AND ") + ")"
    }

    /// A scope's values for `boundScope`.
    private static func bindings(_ scope: SilenceScope) -> [any SQLiteBindable] {
        [scope.deviceID, scope.community, scope.building, scope.kind, scope.rule]
    }

    /// Reads a silence row.
    private static func silence(row: SQLiteRow) -> Silence {
        let scope = SilenceScope(community: row.text(1), building: row.text(2), deviceID: row.text(3), kind: row.text(4),
                                 rule: row.text(5))
        return Silence(id: row.int64(0), scope: scope, createdAt: row.int64(6), until: row.int64(7),
                       reason: row.text(8), actor: row.text(9))
    }
}
