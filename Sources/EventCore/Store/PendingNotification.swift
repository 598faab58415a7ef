/// Who gets out-of-band notifications, as the daemon's notifier configuration says: the store queues messages
/// only for these targets (a team with no notifier is simply not notified).
public struct NotificationPolicy: Sendable, Equatable {
    /// Target (team name, or `emergency-contact`) → the lowest level it is told about.
    public var minimumLevel: [String: EventLevel]

    /// Creates a policy.
    public init(minimumLevel: [String: EventLevel] = [:]) {
        self.minimumLevel = minimumLevel
    }

    /// The pseudo-target that reaches the resident's emergency contact (the registry's `emergency_phone`).
    public static let emergencyContact = "emergency-contact"
}

/// One message of the notification outbox (`notifications` table) to one target, for one step and attempt.
public struct PendingNotification: Sendable, Equatable {
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
    public var nextTryAt: Millis
    /// The notifier of the last try (empty before the first).
    public var notifier: String
    /// The last failure, sanitised (empty when none).
    public var lastError: String

    /// The idempotency key of a message: `E-<n>.s<step>.a<attempt>.<target>`.
    public static func idempotencyKey(eventID: String, step: Int, attempt: Int, target: String) -> String {
        "\(eventID).s\(step).a\(attempt).\(target)"
    }
}

/// How one try of a notification ended, as the runner reports it.
public enum NotificationOutcome: Sendable, Equatable {
    /// The notifier exited 0.
    case sent
    /// It failed; another try is due at `retryAt`.
    case retry(error: String, retryAt: Millis)
    /// It failed for the last time (or cannot be sent at all).
    case gaveUp(error: String)
}
