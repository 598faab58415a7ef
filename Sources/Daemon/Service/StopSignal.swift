import FoundationEssentials
import Vocabulary

/// A latch that threads wait on instead of sleeping in a loop and polling a flag: once set (a stop asked
/// for, a service ended) it stays set and wakes every waiter at once.
public final class StopSignal: @unchecked Sendable {
    private let condition = ThreadCondition()
    private var set = false

    /// Creates an unset latch.
    public init() {}

    /// Whether the latch is set.
    public var isSet: Bool {
        condition.lock()
        defer { condition.unlock() }
        return set
    }

    /// Sets the latch and wakes every waiter. Safe from any thread (not from a signal handler).
    public func fire() {
        condition.lock()
        set = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until the latch is set or `seconds` have passed; returns whether it is set. A pause between two
    /// rounds of work that a stop cuts short.
    @discardableResult
    public func wait(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds).timeIntervalSince1970
        condition.lock()
        defer { condition.unlock() }
        while !set && condition.wait(untilUnixTime: deadline) {}
        return set
    }
}
