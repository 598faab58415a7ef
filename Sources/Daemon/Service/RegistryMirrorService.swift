import EventCore
import FoundationEssentials
import Rules
import Synchronization
import Vocabulary

/// Writes the registry into the devices mirror (`lookout devices`) from a thread and connection of its own, in
/// transactions of `rowsPerTransaction` devices. A first start with a new registry of a million devices then does
/// not wait for a million rows before it subscribes, and no batch commit of the ingest thread waits behind more
/// than one such transaction. An unchanged registry (same fingerprint) writes nothing.
///
/// The newest request wins: a registry reloaded while an older one is still being written replaces it between two
/// transactions. The fingerprint is stored only with the last transaction of a complete mirror, so a mirror cut
/// short (by a stop, a newer registry, a full disk) is made again: at the next start, after the newer one, or
/// after `retrySeconds`.
final class RegistryMirrorService: Service, @unchecked Sendable {
    let name = "registry-mirror"
    /// Devices written per transaction (about 25 ms of holding the write lock).
    static let rowsPerTransaction = 5_000
    /// Seconds between the checks for a request.
    static let pollSeconds = 0.05
    /// Seconds before a failed mirror is tried again.
    static let retrySeconds = 5.0

    /// A registry waiting to be mirrored, stamped with the time to record.
    private struct Request {
        let registry: DeviceRegistry
        let at: EpochMillis
    }

    private let openStore: () throws -> EventStore
    private let log: Logger
    private let pending = Mutex<Request?>(nil)
    private let stop = StopSignal()
    /// Completed mirrors (and registries found already mirrored), for tests and the log.
    let completed = Atomic<Int>(0)

    /// `openStore` opens this service's own connection (on its thread, when it starts).
    init(log: Logger, openStore: @escaping () throws -> EventStore) {
        self.log = log
        self.openStore = openStore
    }

    /// Asks for `registry` to be mirrored, stamped `at`; replaces any request not yet started, and stops a mirror
    /// in progress after its current transaction. Safe from any thread.
    func request(_ registry: DeviceRegistry, at: EpochMillis) {
        pending.withLock { $0 = Request(registry: registry, at: at) }
    }

    func shutdown() { stop.fire() }

    func run() throws {
        let store = try openStore()
        while !isStopping {
            guard let request = pending.withLock({ $0.take() }) else {
                stop.wait(seconds: Self.pollSeconds)
                continue
            }
            do {
                if try mirror(request, into: store) { completed.add(1, ordering: .sequentiallyConsistent) }
            } catch {
                log.warning("could not write the registry into the devices table (retried in \(Int(Self.retrySeconds)) s): \(error)",
                            key: "registry-mirror")
                pending.withLock { if $0 == nil { $0 = request } }
                stop.wait(seconds: Self.retrySeconds)
            }
        }
    }

    private var isStopping: Bool { stop.isSet }
    private var hasNewerRequest: Bool { pending.withLock { $0 != nil } }

    /// Mirrors `request` in several transactions. Returns false when it was cut short (a stop or a newer
    /// request), true when the mirror is complete (or was already).
    private func mirror(_ request: Request, into store: EventStore) throws -> Bool {
        let fingerprint = RegistryMirrorFingerprint.of(request.registry)
        guard try store.registryMirrorFingerprint() != fingerprint else { return true }
        let started = ContinuousClock.now
        let rows = EventStore.mirrorRows(of: request.registry)
        var start = rows.startIndex
        while start < rows.endIndex {
            if isStopping || hasNewerRequest { return false }
            let end = min(start + Self.rowsPerTransaction, rows.endIndex)
            try store.upsertRegisteredDevices(rows[start..<end], at: request.at)
            start = end
        }
        try store.finishRegistryMirror(rows, at: request.at, fingerprint: fingerprint)
        log.info("registry written into the devices table: \(rows.count) devices in \(started.duration(to: .now))")
        return true
    }
}
