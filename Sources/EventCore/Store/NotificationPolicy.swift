import Vocabulary

/// Who gets out-of-band notifications, as the daemon's notifier configuration says: the store queues messages
/// only for these targets (a team with no notifier is simply not notified).
public struct NotificationPolicy: Sendable, Equatable {
    /// Target (team name, or `emergency-contact`) → the lowest level it is told about.
    public var minimumLevel: [String: AlertLevel]

    /// Creates a policy.
    public init(minimumLevel: [String: AlertLevel] = [:]) {
        self.minimumLevel = minimumLevel
    }
}
