import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Signals received but not yet handled. Signal handlers only store into these atomics; the daemon's
/// threads read and clear them at safe points.
private let terminationRequests = Atomic<Int>(0)
private let reloadRequests = Atomic<Int>(0)
private let reloadSignals = Atomic<Int>(0)

/// What the signal handlers record: SIGTERM/SIGINT ask for shutdown, SIGHUP for a reload.
public enum SignalState {
    /// Installs handlers for SIGTERM, SIGINT and SIGHUP, and ignores SIGPIPE. Call once at start, before
    /// starting threads. The three signals are also unblocked: a parent (a test runner's worker thread, a
    /// careless supervisor) may have started us with them blocked, and a blocked SIGTERM would never stop us.
    public static func install() {
        var handled = sigset_t()
        sigemptyset(&handled)
        for signalNumber in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&handled, signalNumber) }
        pthread_sigmask(SIG_UNBLOCK, &handled, nil)
        signal(SIGPIPE, SIG_IGN)
        signal(SIGTERM) { _ in terminationRequests.add(1, ordering: .sequentiallyConsistent) }
        signal(SIGINT) { _ in terminationRequests.add(1, ordering: .sequentiallyConsistent) }
        signal(SIGHUP) { _ in
            reloadRequests.add(1, ordering: .sequentiallyConsistent)
            reloadSignals.add(1, ordering: .sequentiallyConsistent)
        }
    }

    /// Whether shutdown was asked for (stays true).
    public static var terminationRequested: Bool { terminationRequests.load(ordering: .sequentiallyConsistent) > 0 }

    /// Asks for shutdown from code (as SIGTERM would).
    public static func requestTermination() { terminationRequests.add(1, ordering: .sequentiallyConsistent) }

    /// How many reloads were asked for since the start. A service other than the intake (which takes the requests
    /// with `takeReloadRequest`) reloads what it owns when this changes (the staff API's directory).
    public static var reloadGeneration: Int { reloadSignals.load(ordering: .sequentiallyConsistent) }

    /// Whether a reload was asked for since the last call; clears the request.
    public static func takeReloadRequest() -> Bool { reloadRequests.exchange(0, ordering: .sequentiallyConsistent) > 0 }
}
