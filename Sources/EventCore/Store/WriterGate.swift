import Synchronization
import Vocabulary

/// The write lock of one database among the connections of this process, taken before SQLite's own.
///
/// SQLite makes a writer that finds the lock taken sleep and retry (1, 2, 5 … 100 ms between tries), so with the
/// staff API, the hand-off and the notifier all writing next to intake, a call-button press could wait behind a
/// run of staff writes it kept losing to. Connections of one process queue here instead: a waiter is woken as soon
/// as the lock is free, and a connection opened with `StoreOptions.writesFirst` (intake) goes before the others.
/// A waiter gives up after the store's busy timeout and goes on to SQLite's lock (which then says SQLITE_BUSY if it
/// is still taken), so a holder that never lets go (or a thread that already holds it) fails as before, not forever.
final class WriterGate: @unchecked Sendable {
    private let condition = ThreadCondition()
    private var held = false
    private var firstWaiting = 0

    /// Waits for the lock, at most `timeoutMillis`; `first`: ahead of every waiter that is not. Returns whether it
    /// took the lock (then `leave()` must follow).
    func enter(first: Bool, timeoutMillis: Int32) -> Bool {
        let deadline = Double(WallClock.now() + EpochMillis(timeoutMillis)) / 1000
        condition.lock()
        defer { condition.unlock() }
        if first { firstWaiting += 1 }
        defer { if first { firstWaiting -= 1 } }
        while held || (!first && firstWaiting > 0) {
            if !condition.wait(untilUnixTime: deadline) && Double(WallClock.now()) / 1000 >= deadline { return false }
        }
        held = true
        return true
    }

    /// Releases the lock.
    func leave() {
        condition.lock()
        held = false
        condition.broadcast()
        condition.unlock()
    }

    /// The gate of the database at `path` (one per path in this process: lookoutd opens every connection with the
    /// configured path, the same string).
    static func of(path: String) -> WriterGate {
        let key = path
        return gates.withLock { gates in
            if let gate = gates[key] { return gate }
            let gate = WriterGate()
            gates[key] = gate
            return gate
        }
    }

    private static let gates = Mutex<[String: WriterGate]>([:])
}
