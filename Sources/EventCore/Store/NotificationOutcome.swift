import Vocabulary

/// How one try of a notification ended, as the runner reports it.
public enum NotificationOutcome: Sendable, Equatable {
    /// The notifier exited 0.
    case sent
    /// It failed; another try is due at `retryAt`.
    case retry(error: String, retryAt: EpochMillis)
    /// It failed for the last time (or cannot be sent at all).
    case gaveUp(error: String)
}
