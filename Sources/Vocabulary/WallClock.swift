#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The system's wall clock, read in one place so that the daemon, the event core, the CLI and the simulator
/// agree on what "now" is to the millisecond (tests and the engine pass their own times instead).
public enum WallClock {
    /// Now, in whole milliseconds since the epoch, truncated (never rounded up): the millisecond the clock is
    /// in, as `clock_gettime(CLOCK_REALTIME)` gives it, so a time read here is never ahead of the system clock
    /// and whole integers are used throughout (no Double in between).
    public static func now() -> EpochMillis {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return EpochMillis(time.tv_sec) * 1000 + EpochMillis(time.tv_nsec) / 1_000_000
    }
}
