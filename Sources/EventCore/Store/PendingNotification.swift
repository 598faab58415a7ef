import Vocabulary

/// One message of the notification outbox (`notifications` table) to one target, for one step and attempt.
public struct PendingNotification: Sendable, Equatable, Codable {
    /// Row id.
    public var id: Int64
    /// The event's readable id (`E-12`); empty for a test message.
    public var eventID: String
    /// Team name or `emergency-contact`.
    public var target: String
    /// Escalation step (0: the event's own teams when it is raised).
    public var step: Int
    /// Attempt of this step (1: first; re-notification and upgrades add one).
    public var attempt: Int
    /// Why it was queued: `raised`, `renotified`, `upgraded`, `unsilenced`, `reopened`, `test`, or a step's own.
    public var reason: String
    /// `E-12.s0.a2.fire`: the same for every try of one message, so a gateway can drop a repeat.
    public var idempotencyKey: String
    /// `pending`, `sent` or `gave_up`.
    public var state: String
    /// Tries made so far.
    public var tries: Int
    /// Most tries for this message (test messages: 1); nil: the notifier's setting.
    public var maxTries: Int?
    /// When the next try is due.
    public var nextTryAt: EpochMillis
    /// The notifier of the last try (empty before the first).
    public var notifier: String
    /// The last failure, sanitised (empty when none).
    public var lastError: String

    /// The idempotency key of a message: `E-<n>.s<step>.a<attempt>.<target>`.
    public static func idempotencyKey(eventID: String, step: Int, attempt: Int, target: String) -> String {
        "\(eventID).s\(step).a\(attempt).\(target)"
    }
}
