import EventCore
import Rules

/// A message the pipeline refused, kept as a bounded sample for `lookout rejects`.
public struct RejectedMessage: Sendable, Equatable {
    /// Reject reason (`unknown_topic`, `invalid_json`, …).
    public var reason: String
    /// Topic as received.
    public var topic: String
    /// The first bytes of the payload, decoded leniently (invalid UTF-8 replaced).
    public var payloadExcerpt: String
    /// When it was received.
    public var at: Millis
}

/// What one batch learned about a device: when it was last heard, whether it said it is online, its battery.
public struct DeviceSighting: Sendable, Equatable {
    /// Device id.
    public var deviceID: String
    /// Kind from the topic.
    public var kind: String
    /// Last message time.
    public var lastSeen: Millis
    /// Online flag from a `status` message, if the batch had one.
    public var online: Bool?
    /// Battery percentage from a payload's `battery_pct`, if the batch had one.
    public var batteryPercent: Double?
}

/// One event change waiting to be handed off to the broker.
public struct HandoffMessage: Sendable, Equatable {
    /// Outbox row id, given back to `markHandoffSent`.
    public var id: Int64
    /// Topic to publish on.
    public var topic: String
    /// JSON payload.
    public var payload: [UInt8]
}

/// What the daemon needs from the event core. `EventStore` conforms (`EventStore+PipelineStore.swift`);
/// everything a batch does happens inside one `transaction`.
protocol PipelineStore: AnyObject {
    /// Runs `body` in one write transaction.
    func transaction<T>(_ body: () throws -> T) throws -> T
    /// Raises or counts an event.
    func raise(_ trigger: EventTrigger) throws -> (event: EventRecord, created: Bool)
    /// Clears the open event for a key.
    func clear(eventKey: String, at: Millis, note: String) throws -> EventRecord?
    /// Lowers the open event for a key.
    func downgrade(eventKey: String, to level: EventLevel, at: Millis, note: String) throws -> EventRecord?
    /// Reminds staff of an open, unacknowledged event.
    func renotifyEvent(eventKey: String, at: Millis) throws
    /// Saves engine state changes.
    func saveRuleState(_ changes: [(key: String, value: [UInt8]?)]) throws
    /// Loads all engine state.
    func loadRuleState() throws -> [(key: String, value: [UInt8])]
    /// Remembers fingerprints of committed messages.
    func rememberFingerprints(_ fingerprints: [UInt64], at: Millis) throws
    /// Fingerprints remembered at or after `since`.
    func rememberedFingerprints(since: Millis) throws -> Set<UInt64>
    /// Forgets fingerprints older than `before`.
    func forgetFingerprints(before: Millis) throws
    /// Adds rejected messages to the bounded sample and the per-reason counters.
    func recordRejects(_ rejects: [RejectedMessage]) throws
    /// Updates the devices mirror with what a batch saw.
    func recordSightings(_ sightings: [DeviceSighting]) throws
    /// Writes the registry into the devices mirror (at start and on reload).
    func mirrorRegistry(_ registry: DeviceRegistry) throws
    /// Escalates events whose deadlines passed.
    func escalateDue(now: Millis) throws -> [EventRecord]
    /// Away notes in force at `now`: device id and end time.
    func activeAwayNotes(now: Millis) throws -> [(deviceID: String, until: Millis)]
    /// Writes the daemon status row read by `lookout status`.
    func writeDaemonStatus(_ values: [String: String], at: Millis) throws
    /// Open events by level, and how many are overdue.
    func openEventSummary() throws -> (byLevel: [EventLevel: Int], overdue: Int)
    /// Event changes not yet handed off, oldest first.
    func pendingHandoff(limit: Int, topicPattern: String) throws -> [HandoffMessage]
    /// Marks hand-off rows as delivered.
    func markHandoffSent(ids: [Int64]) throws
}
