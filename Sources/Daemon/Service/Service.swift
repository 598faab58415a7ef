import FoundationEssentials
import Synchronization
import Vocabulary

/// A long-running part of the daemon (after swift-service-lifecycle): `run()` blocks on its own thread until
/// `shutdown()` is called from another thread (or it fails).
public protocol Service: AnyObject, Sendable {
    /// Name for log lines.
    var name: String { get }
    /// Does the work; returns after `shutdown()` once everything is committed and closed.
    func run() throws
    /// Asks `run()` to finish; returns at once. Safe from any thread. Services fire a `StopSignal` here, which
    /// their pauses wait on: a stop ends a pause at once, nothing sleeps and polls a flag.
    func shutdown()
}

/// Runs services each on its own thread, started in order; on SIGTERM/SIGINT (or when any service ends)
/// shuts them down in reverse order, each waited for before the next is asked to stop.
public final class ServiceGroup: Sendable {
    /// The services, in start order.
    public let services: [any Service]
    private let log: Logger
    private let finished: [OutcomeSlot]

    /// Where a service thread leaves its outcome, waited for without polling.
    private final class OutcomeSlot: @unchecked Sendable {
        private let condition = ThreadCondition()
        private var outcome: ServiceOutcome?

        func set(_ value: ServiceOutcome) {
            condition.lock()
            outcome = value
            condition.broadcast()
            condition.unlock()
        }

        var value: ServiceOutcome? {
            condition.lock()
            defer { condition.unlock() }
            return outcome
        }

        /// The outcome once there is one, or nil at `deadline`.
        func wait(until deadline: Date) -> ServiceOutcome? {
            condition.lock()
            defer { condition.unlock() }
            while outcome == nil && condition.wait(untilUnixTime: deadline.timeIntervalSince1970) {}
            return outcome
        }
    }

    /// How a service's `run()` ended.
    public enum ServiceOutcome: Sendable {
        /// Returned.
        case returned
        /// Threw; the description of the error.
        case failed(String)
    }

    /// Creates a group.
    public init(services: [any Service], log: Logger) {
        self.services = services
        self.log = log
        self.finished = services.map { _ in OutcomeSlot() }
    }

    /// Starts every service and blocks until shutdown is complete: the calling thread sleeps until a
    /// termination signal or the end of a service wakes it (`SignalState.waitForWake`), then asks each service
    /// to stop, last started first, and waits for it. Returns whether every service stopped cleanly within
    /// `timeout` seconds of the shutdown request.
    public func run(timeout: Double, onShutdownRequested: () -> Void = {}) -> Bool {
        for (index, service) in services.enumerated() {
            let slot = finished[index]
            let log = self.log
            do {
                try DetachedThread.start(name: service.name) {
                    do {
                        try service.run()
                        slot.set(.returned)
                    } catch {
                        log.error("\(service.name) failed: \(error)")
                        slot.set(.failed("\(error)"))
                    }
                    SignalState.wake()
                }
            } catch {
                log.error("\(service.name) failed: \(error)")
                slot.set(.failed("\(error)"))
            }
        }
        while !SignalState.terminationRequested && !finished.contains(where: { $0.value != nil }) {
            SignalState.waitForWake()
        }
        onShutdownRequested()
        let deadline = Date().addingTimeInterval(timeout)
        var clean = true
        for (index, service) in services.enumerated().reversed() {
            service.shutdown()
            switch finished[index].wait(until: deadline) {
            case .returned: log.debug("\(service.name) stopped")
            case .failed: clean = false
            case nil:
                log.error("\(service.name) did not stop within \(formatDuration(timeout)); giving up")
                return false
            }
        }
        return clean
    }
}
