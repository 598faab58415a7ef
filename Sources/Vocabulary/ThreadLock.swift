#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A mutual-exclusion lock for threads that are not Swift tasks (libmosquitto's network thread, the publisher's
/// thread): what `NSLock` did, without linking all of Foundation (see docs/packaging.md, "Sizes").
public final class ThreadLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    public init() {
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func lock() { pthread_mutex_lock(mutex) }
    public func unlock() { pthread_mutex_unlock(mutex) }

    /// Runs `body` with the lock held.
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}

/// A lock with a condition variable: what `NSCondition` did. Waits time out at a wall-clock deadline
/// (`CLOCK_REALTIME`, as `NSCondition.wait(until:)` does).
public final class ThreadCondition: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    public init() {
        mutex.initialize(to: pthread_mutex_t())
        condition.initialize(to: pthread_cond_t())
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    public func lock() { pthread_mutex_lock(mutex) }
    public func unlock() { pthread_mutex_unlock(mutex) }
    public func broadcast() { pthread_cond_broadcast(condition) }

    /// Waits (with the lock held) until signalled or until `deadline`, in seconds since the Unix epoch
    /// (`Date.timeIntervalSince1970`); false if the deadline passed.
    public func wait(untilUnixTime deadline: Double) -> Bool {
        guard deadline.isFinite else {
            pthread_cond_wait(condition, mutex)
            return true
        }
        let clamped = max(0, min(deadline, Double(Int32.max) * 1000))
        let seconds = clamped.rounded(.down)
        var time = timespec()
        time.tv_sec = time_t(seconds)
        time.tv_nsec = Int(((clamped - seconds) * 1_000_000_000).rounded(.down))
        if time.tv_nsec >= 1_000_000_000 { time.tv_nsec = 999_999_999 }
        return pthread_cond_timedwait(condition, mutex, &time) == 0
    }
}
