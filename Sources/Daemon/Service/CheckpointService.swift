import EventCore
import FoundationEssentials

/// Copies the database's write-ahead log into the database file from a thread and connection of its own,
/// every `intervalSeconds`, so that the ingest thread never does it inside a batch commit (see
/// `EventStore.checkpointPassively()`): a call-button press then never waits behind a checkpoint's copying and
/// syncing. Started before the ingest service and stopped after it, with a last checkpoint at the end.
public final class CheckpointService: Service, @unchecked Sendable {
    /// Name for log lines.
    public let name = "checkpoint"
    /// Log pages at which the writer still checkpoints by itself (16,384 pages, 64 MB: a safety net for when this
    /// service cannot keep up or cannot run).
    public static let writerAutoCheckpointPages: Int32 = 16_384
    /// Seconds between checkpoints.
    static let intervalSeconds = 0.1

    private let openStore: () throws -> EventStore
    private let log: Logger
    private let stop = StopSignal()

    /// Creates the service; `openStore` opens its own connection to the database (on the service's thread).
    public init(log: Logger, openStore: @escaping () throws -> EventStore) {
        self.log = log
        self.openStore = openStore
    }

    /// Asks `run()` to make its last checkpoint and return.
    public func shutdown() { stop.fire() }

    /// Checkpoints every `intervalSeconds` until `shutdown()`, then once more.
    public func run() throws {
        let store = try openStore()
        repeat {
            checkpoint(store)
        } while !stop.wait(seconds: Self.intervalSeconds)
        checkpoint(store)
    }

    /// One passive checkpoint; a failure (a full disk, say) is logged and retried at the next interval.
    private func checkpoint(_ store: EventStore) {
        do {
            try store.checkpointPassively()
        } catch {
            log.warning("write-ahead log checkpoint failed (retried): \(error)", key: "checkpoint")
        }
    }
}
