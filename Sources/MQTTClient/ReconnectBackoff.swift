#if canImport(Glibc)
import Glibc
#endif

/// Reconnect delays: doubling from `minimum` up to `maximum`, with ±20 % jitter so a fleet of clients
/// does not reconnect in lock-step after a broker restart.
struct ReconnectBackoff {
    /// First delay in seconds.
    let minimum: Double
    /// Longest delay in seconds.
    let maximum: Double
    private var failures = 0

    /// Delays from `minimum` to `maximum` (both clamped to sane values).
    init(minimum: Double, maximum: Double) {
        self.minimum = max(0.01, minimum)
        self.maximum = max(self.minimum, maximum)
    }

    /// The delay before the next attempt; each call doubles the following one.
    mutating func nextDelay() -> Double {
        let base = min(maximum, minimum * pow(2, Double(min(failures, 30))))
        failures += 1
        return base * Double.random(in: 0.8...1.2)
    }

    /// Back to `minimum` after a connection that worked.
    mutating func reset() { failures = 0 }
}

/// Seconds on a monotonic clock (not affected by wall-clock changes).
func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Waits until `fd` has any of `events` or `timeout` seconds pass; returns the received events (0 on timeout).
/// `EINTR` counts as a timeout: callers loop anyway.
func pollOne(_ fd: Int32, events: Int16, timeout: Double) -> Int16 {
    var entry = pollfd(fd: fd, events: events, revents: 0)
    let milliseconds = Int32(max(0, min(timeout, 3600)) * 1000)
    return poll(&entry, 1, milliseconds) > 0 ? entry.revents : 0
}
