/// Copying the write-ahead log back into the database file (a checkpoint).
///
/// SQLite checkpoints automatically in the committing transaction once the log has
/// `StoreOptions.walAutoCheckpointPages` pages: the commit that crosses the mark copies the log and syncs the file,
/// which holds up the batch (and every call-button press behind it) for tens of milliseconds. lookoutd instead
/// checkpoints from a thread of its own (`CheckpointService`) on a second connection, in PASSIVE mode, which never
/// blocks the writer; the automatic checkpoint stays as a safety net at a higher mark.
extension EventStore {
    /// Pages in the log and pages copied by a checkpoint.
    public struct CheckpointResult: Sendable, Equatable {
        /// Frames in the write-ahead log.
        public var logFrames: Int64
        /// Frames copied into the database file so far.
        public var copiedFrames: Int64
    }

    /// Copies as much of the write-ahead log into the database file as can be done without waiting for readers
    /// or the writer (`PRAGMA wal_checkpoint(PASSIVE)`).
    @discardableResult
    public func checkpointPassively() throws -> CheckpointResult {
        try connection.cached("PRAGMA wal_checkpoint(PASSIVE)").queryFirst { row in
            CheckpointResult(logFrames: row.int64(1), copiedFrames: row.int64(2))
        } ?? CheckpointResult(logFrames: 0, copiedFrames: 0)
    }
}
