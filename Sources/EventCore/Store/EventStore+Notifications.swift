import FoundationEssentials
import Glibc
import Vocabulary

/// The notification outbox: messages to teams queued in the transaction of the change that calls for them (so a
/// crash cannot lose one: at least once), tried by the daemon's notification runner from its own connection, each
/// outcome written on the event's timeline. See docs/operators.md (out-of-band notification).
extension EventStore {
    /// Timeline actions of notification outcomes. They are not change-feed entries: `lookout watch` does not ring
    /// for them and the MQTT hand-off does not publish them.
    public enum NotificationAction {
        /// A notifier exited 0.
        public static let notified = "notified"
        /// A try failed; another is due.
        public static let failed = "notify_failed"
        /// The last try failed, or the message cannot be sent.
        public static let gaveUp = "notify_gave_up"
    }

    /// Queues a message to each of `targets` that has a notifier (see `notificationPolicy`) for step `step` of
    /// event `eventID`, inside the caller's transaction when there is one: the entry point for escalation steps.
    /// `attempt` nil takes the step's next attempt. Returns how many messages were queued (a message whose
    /// idempotency key is already queued is not queued again).
    @discardableResult
    public func queueNotifications(eventID: String, targets: [String], step: Int, attempt: Int? = nil,
                                   reason: String, at: EpochMillis) throws -> Int {
        try transaction {
            let event = try requireEvent(id: eventID)
            return try queueNotifications(for: event, targets: targets, step: step, attempt: attempt, reason: reason, at: at)
        }
    }

    /// `queueNotifications(eventID:…)` for an event at hand, in the caller's transaction. A hidden (silenced)
    /// event notifies nobody; a target's minimum level applies to the event's current level.
    @discardableResult
    func queueNotifications(for event: StoredEvent, targets: [String], step: Int, attempt: Int?, reason: String,
                            at: EpochMillis) throws -> Int {
        let policy = notificationPolicy.minimumLevel
        guard !policy.isEmpty, !event.record.silenced else { return 0 }
        let chosen = targets.filter { target in policy[target].map { event.record.level >= $0 } ?? false }
        guard !chosen.isEmpty else { return 0 }
        let number = try attempt ?? Int(connection.cached("""
            SELECT coalesce(max(attempt), 0) + 1 FROM notifications WHERE event_id = ? AND step = ?
            """).firstRow(binding: event.rowID, Int64(step)) { $0.int64(0) } ?? 1)
        var queued = 0
        for target in chosen {
            let key = PendingNotification.idempotencyKey(eventID: event.record.id, step: step, attempt: number, target: target)
            try connection.cached("""
                INSERT OR IGNORE INTO notifications (event_id, target, step, attempt, reason, idempotency_key, due_at,
                    next_try_at, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(binding: event.rowID, target, Int64(step), Int64(number), reason, key, at, at, at)
            queued += connection.changedRowCount
        }
        return queued
    }

    /// Queues a test message to `target` (`lookout notify test`): no event, one try, key `test.<time>.<target>`.
    /// lookoutd queues it for `lookout notify test` (role supervisor); the notification runner sends it like any other.
    public func queueTestNotification(target: String, at: EpochMillis) throws -> PendingNotification {
        try transaction {
            let key = "test.\(at).\(UInt32.random(in: 0...UInt32.max)).\(target)"
            try connection.cached("""
                INSERT INTO notifications (event_id, target, step, attempt, reason, idempotency_key, max_tries, due_at,
                    next_try_at, created_at)
                VALUES (NULL, ?, 0, 1, 'test', ?, 1, ?, ?, ?)
                """).execute(binding: target, key, at, at, at)
            guard let row = try notification(id: connection.lastInsertRowID) else { throw EventStoreError.unknownEvent(key) }
            return row
        }
    }

    /// Withdraws a message nobody has tried yet (a test message lookoutd did not take in time); false when a try
    /// was already made or it is done.
    public func withdrawNotification(id: Int64) throws -> Bool {
        try transaction {
            try connection.cached("""
                UPDATE notifications SET state = 'gave_up', last_error = 'withdrawn before a try', finished_at = ?
                WHERE id = ? AND state = 'pending' AND tries = 0
                """).execute(binding: WallClock.now(), id)
            return connection.changedRowCount > 0
        }
    }

    /// Columns of `notification(row:)`.
    private static let notificationColumns = """
        id, event_id, target, step, attempt, reason, idempotency_key, state, tries, max_tries, next_try_at, notifier,
        last_error
        """

    /// A row selected with `notificationColumns`.
    private static func notification(row: SQLiteRow) -> PendingNotification {
        PendingNotification(
            id: row.int64(0), eventID: row.optionalInt64(1).map(StoredEvent.readableID) ?? "", target: row.text(2),
            step: Int(row.int64(3)), attempt: Int(row.int64(4)), reason: row.text(5), idempotencyKey: row.text(6),
            state: row.text(7), tries: Int(row.int64(8)), maxTries: row.optionalInt64(9).map(Int.init),
            nextTryAt: row.int64(10), notifier: row.text(11), lastError: row.text(12))
    }

    /// Pending messages due by `now`, oldest due first. Messages due while the daemon was stopped are due now.
    public func dueNotifications(now: EpochMillis, limit: Int) throws -> [PendingNotification] {
        try connection.cached("""
            SELECT \(Self.notificationColumns) FROM notifications INDEXED BY notifications_pending
            WHERE state = 'pending' AND next_try_at <= ? ORDER BY next_try_at, id LIMIT ?
            """).query([now, Int64(max(limit, 0))], Self.notification(row:))
    }

    /// When the next pending message is due (nil: none pending).
    public func nextNotificationDue() throws -> EpochMillis? {
        try connection.cached("""
            SELECT min(next_try_at) FROM notifications INDEXED BY notifications_pending WHERE state = 'pending'
            """).queryFirst { $0.optionalInt64(0) } ?? nil
    }

    /// Messages not yet sent or given up.
    public func pendingNotificationCount() throws -> Int {
        Int(try connection.integer("SELECT count(*) FROM notifications WHERE state = 'pending'"))
    }

    /// The message with row id `id`, if any.
    public func notification(id: Int64) throws -> PendingNotification? {
        try connection.cached("SELECT \(Self.notificationColumns) FROM notifications WHERE id = ?")
            .queryFirst([id], Self.notification(row:))
    }

    /// The event a message is about (nil for a test message or a vanished event), with its JSON as the change feed
    /// and the MQTT hand-off write it: what the notifier reads on stdin.
    public func notificationSubject(_ message: PendingNotification) throws -> (event: EventRecord, json: [UInt8])? {
        guard let rowID = StoredEvent.rowID(of: message.eventID), let stored = try storedEvent(rowID: rowID) else { return nil }
        return (stored.record, stored.record.snapshotJSONBytes)
    }

    /// The resident's emergency phone of the event (the registry's `emergency_phone` when it was raised).
    public func emergencyPhone(eventID: String) throws -> String {
        guard let rowID = StoredEvent.rowID(of: eventID) else { return "" }
        return try connection.cached("SELECT emergency_phone FROM events WHERE id = ?").queryFirst([rowID]) { $0.text(0) } ?? ""
    }

    /// Records how a try of `message` through `notifier` ended: the row's state, and a timeline entry on the event
    /// (`notified fire via http (attempt 2)`, `notification to fire failed: …`). `error` is written as given: the
    /// runner sanitises what a command printed.
    public func recordNotificationOutcome(_ message: PendingNotification, notifier: String, outcome: NotificationOutcome,
                                          at: EpochMillis) throws {
        try transaction {
            let tries = Int64(message.tries + 1)
            let what = "\(message.target) via \(notifier)"
            let attempt = message.reason == "test" ? "test message" : "attempt \(message.attempt)"
            let (state, nextTry, error, action, note): (String, EpochMillis, String, String, String)
            switch outcome {
            case .sent:
                (state, nextTry, error, action) = ("sent", message.nextTryAt, "", NotificationAction.notified)
                note = "\(what) (\(attempt)\(tries > 1 ? ", try \(tries)" : ""); key \(message.idempotencyKey))"
            case .retry(let text, let retryAt):
                (state, nextTry, error, action) = ("pending", retryAt, text, NotificationAction.failed)
                note = "notification to \(what) failed (\(attempt), try \(tries)): \(text); next try \(Self.formatTime(retryAt))"
            case .gaveUp(let text):
                (state, nextTry, error, action) = ("gave_up", message.nextTryAt, text, NotificationAction.gaveUp)
                note = "notification to \(what) gave up after \(tries) \(tries == 1 ? "try" : "tries") (\(attempt)): \(text)"
            }
            try connection.cached("""
                UPDATE notifications SET state = ?, tries = ?, next_try_at = ?, notifier = ?, last_error = ?,
                    finished_at = CASE WHEN ? = 'pending' THEN NULL ELSE ? END
                WHERE id = ?
                """).execute(binding: state, tries, nextTry, notifier, error, state, at, message.id)
            guard let rowID = StoredEvent.rowID(of: message.eventID) else { return }
            guard let status = try connection.cached("SELECT status FROM events WHERE id = ?").queryFirst([rowID], { $0.text(0) })
            else { return }
            try appendTimeline(eventRowID: rowID, at: at, actor: Self.daemonActor, action: action, status: status, note: note)
        }
    }
}
