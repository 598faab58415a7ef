import Vocabulary

/// What the daemon last wrote about itself (`lookout status`).
public struct DaemonStatusSnapshot: Sendable, Equatable, Codable {
    /// Key/value pairs as written by the daemon (`pid`, `started_at`, `mqtt`, `messages_per_s`, …).
    public var values: [String: String]
    /// When they were written; nil when the daemon never wrote any.
    public var updatedAt: EpochMillis?

    /// Creates a snapshot (the store reads them; tests make them).
    public init(values: [String: String], updatedAt: EpochMillis?) {
        self.values = values
        self.updatedAt = updatedAt
    }
}
