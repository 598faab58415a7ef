#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Unbuffered writes to standard output and standard error, and a thread's sleep: what
/// `FileHandle.standardOutput.write(_:)`, `FileHandle.standardError.write(_:)` and `Thread.sleep(forTimeInterval:)`
/// did, without linking all of Foundation (see docs/packaging.md, "Sizes").
public enum StandardStream {
    /// Writes `text` to standard output at once (no buffering), retrying short and interrupted writes.
    public static func writeOutput(_ text: String) { write(text, to: STDOUT_FILENO) }

    /// Writes `text` to standard error at once.
    public static func writeError(_ text: String) { write(text, to: STDERR_FILENO) }

    /// Writes all of `text` to the file descriptor `fd`; gives up on an error other than `EINTR`.
    public static func write(_ text: String, to fd: Int32) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                #if canImport(Glibc)
                let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                #else
                let written = Darwin.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                #endif
                if written < 0 && errno == EINTR { continue }
                // A closed pipe or full disk: nothing sensible to do but stop writing.
                if written <= 0 { return }
                offset += written
            }
        }
    }
}

/// Sleeping the calling thread: `Thread.sleep(forTimeInterval:)`.
public enum ThreadSleep {
    /// Sleeps `seconds` (nothing for zero or less), resuming after a signal until the time is up.
    public static func sleep(seconds: Double) {
        guard seconds > 0, seconds.isFinite else { return }
        let whole = seconds.rounded(.down)
        var request = timespec(tv_sec: time_t(whole), tv_nsec: Int((seconds - whole) * 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0, errno == EINTR { request = remaining }
    }
}
