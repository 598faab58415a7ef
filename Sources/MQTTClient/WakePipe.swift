#if canImport(Glibc)
import Glibc
#endif
import Vocabulary

/// A non-blocking self-pipe that wakes a `poll()` from another thread (publish, stop).
final class WakePipe: @unchecked Sendable {
    /// End polled by the loop thread.
    let readEnd: Int32
    private let writeEnd: Int32

    /// Opens the pipe (both ends non-blocking, close-on-exec).
    init() throws(MQTTError) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            throw MQTTError(code: -1, message: ErrnoError(operation: "cannot create wake pipe").description)
        }
        readEnd = ends[0]
        writeEnd = ends[1]
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
    }

    /// Wakes the poller. A full pipe already guarantees a wake-up, so a failed write is fine.
    func wake() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Empties the pipe after a wake-up.
    func drain() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(readEnd, &buffer, buffer.count) > 0 {}
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }
}
