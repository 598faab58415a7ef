import FoundationEssentials
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Signals received but not yet handled. Signal handlers only store into these atomics; the daemon's
/// threads read and clear them at safe points.
private let terminationRequests = Atomic<Int>(0)
private let reloadRequests = Atomic<Int>(0)
private let reloadSignals = Atomic<Int>(0)
/// The write end of `wakePipe`, for the handlers (-1 until it exists).
private let wakeWriteFD = Atomic<Int32>(-1)

/// A self-pipe: a termination signal (or a service that ended) writes a byte, which `SignalState.waitForWake()`
/// sleeps on. `write` is one of the few calls allowed in a signal handler; a condition variable is not.
private let wakePipe: (read: Int32, write: Int32) = {
    var fds: [Int32] = [-1, -1]
    guard pipe(&fds) == 0 else { return (-1, -1) }
    for fd in fds {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    }
    wakeWriteFD.store(fds[1], ordering: .sequentiallyConsistent)
    return (fds[0], fds[1])
}()

/// Writes a byte to the self-pipe (async-signal-safe; a full pipe already wakes the reader).
private func writeWakeByte() {
    let fd = wakeWriteFD.load(ordering: .sequentiallyConsistent)
    guard fd >= 0 else { return }
    let saved = errno
    var byte: UInt8 = 1
    _ = write(fd, &byte, 1)
    errno = saved
}

/// What the signal handlers record: SIGTERM/SIGINT ask for shutdown, SIGHUP for a reload.
public enum SignalState {
    /// Installs handlers for SIGTERM, SIGINT and SIGHUP, and ignores SIGPIPE. Call once at start, before
    /// starting threads. The three signals are also unblocked: a parent (a test runner's worker thread, a
    /// careless supervisor) may have started us with them blocked, and a blocked SIGTERM would never stop us.
    public static func install() {
        _ = wakePipe
        var handled = sigset_t()
        sigemptyset(&handled)
        for signalNumber in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&handled, signalNumber) }
        pthread_sigmask(SIG_UNBLOCK, &handled, nil)
        signal(SIGPIPE, SIG_IGN)
        signal(SIGTERM) { _ in
            terminationRequests.add(1, ordering: .sequentiallyConsistent)
            writeWakeByte()
        }
        signal(SIGINT) { _ in
            terminationRequests.add(1, ordering: .sequentiallyConsistent)
            writeWakeByte()
        }
        signal(SIGHUP) { _ in
            reloadRequests.add(1, ordering: .sequentiallyConsistent)
            reloadSignals.add(1, ordering: .sequentiallyConsistent)
        }
    }

    /// Whether shutdown was asked for (stays true).
    public static var terminationRequested: Bool { terminationRequests.load(ordering: .sequentiallyConsistent) > 0 }

    /// Asks for shutdown from code (as SIGTERM would).
    public static func requestTermination() {
        terminationRequests.add(1, ordering: .sequentiallyConsistent)
        wake()
    }

    /// Wakes `waitForWake()` (a service ended). Safe from any thread.
    public static func wake() {
        _ = wakePipe
        writeWakeByte()
    }

    /// Sleeps until a termination signal, `requestTermination()` or `wake()` since the last call (returns at once
    /// when one came before it). Callers check what they wait for before and after.
    public static func waitForWake() {
        let fd = wakePipe.read
        guard fd >= 0 else {
            usleep(100_000)  // no pipe (out of descriptors at start): check again shortly
            return
        }
        var wait = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        _ = poll(&wait, 1, -1)
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(fd, &buffer, buffer.count) > 0 {}
    }

    /// How many reloads were asked for since the start. A service other than the intake (which takes the requests
    /// with `takeReloadRequest`) reloads what it owns when this changes (the staff API's directory).
    public static var reloadGeneration: Int { reloadSignals.load(ordering: .sequentiallyConsistent) }

    /// Whether a reload was asked for since the last call; clears the request.
    public static func takeReloadRequest() -> Bool { reloadRequests.exchange(0, ordering: .sequentiallyConsistent) > 0 }
}
