import Vocabulary

/// The last message lookoutd processed on each topic, so that a retained copy the broker delivers again (after
/// every subscribe, so after every restart and reconnect) is recognised as the state it already acted on.
///
/// Written in rounds with the devices mirror and at shutdown, not in every batch (one row per topic would
/// double a batch's writes); the message fingerprints of the batches cover the rounds a crash loses.
extension EventStore {
    /// Writes (replaces) the last message of each given topic.
    public func saveTopicStates(_ states: [TopicState]) throws {
        guard !states.isEmpty else { return }
        try transaction {
            let upsert = try connection.cached("""
                INSERT INTO topic_states (topic_hash, fingerprint, occurred_at, at) VALUES (?, ?, ?, ?)
                ON CONFLICT(topic_hash) DO UPDATE SET fingerprint = excluded.fingerprint,
                    occurred_at = excluded.occurred_at, at = excluded.at
                """)
            for state in states {
                try upsert.execute(binding: Int64(bitPattern: state.topicHash), Int64(bitPattern: state.fingerprint),
                                   state.occurredAt, state.at)
            }
        }
    }

    /// The saved last message of one topic, nil when none is saved.
    public func topicState(topicHash: UInt64) throws -> TopicState? {
        try connection.cached("SELECT topic_hash, fingerprint, occurred_at, at FROM topic_states WHERE topic_hash = ?")
            .queryFirst([Int64(bitPattern: topicHash)]) { row in
                TopicState(topicHash: UInt64(bitPattern: row.int64(0)), fingerprint: UInt64(bitPattern: row.int64(1)),
                           occurredAt: row.optionalInt64(2), at: row.int64(3))
            }
    }
}

/// The last message processed on one topic.
public struct TopicState: Sendable, Equatable {
    /// FNV-1a hash of the topic (the daemon's message fingerprint of the topic with an empty payload).
    public var topicHash: UInt64
    /// Fingerprint of the message (topic and payload).
    public var fingerprint: UInt64
    /// Its plausible device time (`ts`), nil when it had none.
    public var occurredAt: EpochMillis?
    /// When it was processed.
    public var at: EpochMillis

    /// Creates a state.
    public init(topicHash: UInt64, fingerprint: UInt64, occurredAt: EpochMillis?, at: EpochMillis) {
        self.topicHash = topicHash
        self.fingerprint = fingerprint
        self.occurredAt = occurredAt
        self.at = at
    }
}
