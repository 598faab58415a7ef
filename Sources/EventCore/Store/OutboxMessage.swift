/// One pending hand-off of an event change to MQTT, written in the same transaction as the change.
public struct OutboxMessage: Sendable, Equatable {
    /// Outbox row id; pass to `markOutboxSent(ids:)` once published.
    public var id: Int64
    /// The change (sequence, action, event after the change).
    public var change: EventChange
    /// The event after the change as JSON (sorted keys), ready to publish.
    public var json: String
}
