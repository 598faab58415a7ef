import Vocabulary

/// Default deadlines per level, used when a trigger does not give its own.
public struct DeadlinePolicy: Sendable, Equatable {
    /// Seconds to acknowledge, per level; a missing level has no acknowledge deadline.
    public var acknowledgeWithinSeconds: [AlertLevel: Int64]
    /// Seconds to be on site, per level; a missing level has no on-site deadline.
    public var onsiteWithinSeconds: [AlertLevel: Int64]

    /// Creates a policy.
    public init(acknowledgeWithinSeconds: [AlertLevel: Int64], onsiteWithinSeconds: [AlertLevel: Int64]) {
        self.acknowledgeWithinSeconds = acknowledgeWithinSeconds
        self.onsiteWithinSeconds = onsiteWithinSeconds
    }

    /// Red: acknowledge in 2 min, on site in 15 min. Yellow: 15 min, 2 h. Green: 24 h, no on-site deadline.
    public static let standard = DeadlinePolicy(
        acknowledgeWithinSeconds: [.red: 120, .yellow: 15 * 60, .green: 24 * 3600],
        onsiteWithinSeconds: [.red: 15 * 60, .yellow: 2 * 3600])
}

/// Tuning of an `EventStore`.
public struct StoreOptions: Sendable, Equatable {
    /// Default deadlines.
    public var deadlines: DeadlinePolicy = .standard
    /// A repeated trigger writes a `repeated` timeline entry (and change) at most this often per event;
    /// the count is exact regardless.
    public var repeatedEntryIntervalMillis: EpochMillis = 60_000
    /// How long to wait for another process's lock before failing with SQLITE_BUSY.
    public var busyTimeoutMillis: Int32 = 5_000
    /// Whether this connection's write transactions go ahead of the other connections of this process waiting for
    /// the write lock (lookoutd's intake: a call-button press must not queue behind staff requests).
    public var writesFirst = false
    /// Rejected messages kept per reason (older samples are dropped; counters keep counting).
    public var rejectSamplesPerReason: Int = 50
    /// Bytes of a rejected payload kept in the sample.
    public var rejectPayloadExcerptBytes: Int = 512
    /// Permission bits of a new database file (and of migration backups). 0640 lets group `lookout`
    /// read; use 0660 if staff's CLI writes (acknowledge, dispatch) as members of the group.
    public var newFileMode: UInt16 = 0o640
    /// Log pages at which a commit checkpoints by itself (SQLite's default is 1,000 pages, 4 MB). lookoutd, which
    /// checkpoints from a thread of its own, sets a higher mark as a safety net.
    public var walAutoCheckpointPages: Int32 = 1_000
    /// Most memory, in KiB, SQLite's page cache of a read-write connection may hold (SQLite's default is 2 MiB).
    /// A batch commit dirties index pages all over the events table: with 2 MiB the cache spilled them into the
    /// log in mid-transaction. Statement journals (a statement that may fail half-way inside a transaction) and
    /// temporary sorts stay in memory too (`temp_store = MEMORY`): they went to temporary files, as many bytes as
    /// the write-ahead log itself.
    public var cacheKibibytes: Int = 32_768
    /// The secret that keys the timeline's hash chain (`TimelineChain`), which lookoutd reads from its credential
    /// `timeline-key`. Empty: an unkeyed chain, which catches careless edits but not a chain recomputed by hand.
    public var timelineKey: [UInt8] = [] {
        didSet { timelineHMAC = HMACSHA256(key: timelineKey) }
    }
    /// `timelineKey` prepared for hashing (its padded blocks hashed once, not for every entry).
    public private(set) var timelineHMAC = HMACSHA256(key: [])

    /// Default options.
    public init() {}
}
