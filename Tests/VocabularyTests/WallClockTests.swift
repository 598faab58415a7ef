import Foundation
import Testing
import Vocabulary

/// The one wall clock: whole milliseconds of the system's real-time clock, truncated.
@Suite struct WallClockTests {
    @Test func readsTheSystemClockInMilliseconds() {
        // Foundation's Date reads the same real-time clock: the value lies between two readings of it, each
        // truncated to the millisecond (one either side for the Double's last bit). A clock in seconds or
        // microseconds, or one on another epoch, fails this.
        let before = EpochMillis((Date().timeIntervalSince1970 * 1000).rounded(.down))
        let now = WallClock.now()
        let after = EpochMillis((Date().timeIntervalSince1970 * 1000).rounded(.down))
        #expect(before - 1 <= now && now <= after + 1)
    }
}
