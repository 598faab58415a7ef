/// The shared event core: one SQLite database (WAL) used by the daemon and by staff's CLI.
///
/// Not thread-safe: each thread or process opens its own `EventStore`. SQLite's locking keeps
/// concurrent writers (daemon and CLI) consistent; every change is one transaction.
public final class EventStore {
    /// Opens (creating and migrating if needed) the database at `path`.
    public init(path: String) throws {
        throw EventStoreError.permissionDenied(path: path, detail: "event store not implemented yet")
    }

    /// Runs `body` in one write transaction (BEGIN IMMEDIATE … COMMIT, rolled back on throw).
    public func transaction<T>(_ body: () throws -> T) throws -> T { try body() }

    /// Raises a new event for `trigger.eventKey`, or counts another occurrence on the open one.
    /// Returns the event after the change and whether it is new.
    public func raise(_ trigger: EventTrigger) throws -> (event: EventRecord, created: Bool) {
        throw EventStoreError.unknownEvent(trigger.eventKey)
    }

    /// Marks the open event for `eventKey` cleared by the device; nil when none is open.
    public func clear(eventKey: String, at: Millis, note: String) throws -> EventRecord? { nil }

    /// Lowers the open event for `eventKey` to `level`, keeping it and its record; nil when none is open.
    public func downgrade(eventKey: String, to level: EventLevel, at: Millis, note: String) throws -> EventRecord? { nil }

    /// Applies a staff action, checked against the status, with a timeline entry. Throws for unknown ids
    /// and refused transitions.
    public func perform(_ action: EventAction, on id: String, actor: String, note: String, at: Millis) throws -> EventRecord {
        throw EventStoreError.unknownEvent(id)
    }

    /// The event with `id` (case-insensitive, `E-` prefix optional), or nil.
    public func event(id: String) throws -> EventRecord? { nil }

    /// Events matching `filter`, red and overdue first, then newest first.
    public func events(_ filter: EventFilter) throws -> [EventRecord] { [] }

    /// The timeline of an event, oldest first.
    public func timeline(of id: String) throws -> [TimelineEntry] { [] }

    /// Changes with a sequence number greater than `sequence`, oldest first, at most `limit`.
    public func changes(after sequence: Int64, limit: Int) throws -> [EventChange] { [] }

    /// The sequence number of the newest change (0 when none).
    public func latestChangeSequence() throws -> Int64 { 0 }

    /// Saves rule-engine state changes (nil value deletes the key).
    public func saveRuleState(_ changes: [(key: String, value: [UInt8]?)]) throws {}

    /// All saved rule-engine state.
    public func loadRuleState() throws -> [(key: String, value: [UInt8])] { [] }
}
