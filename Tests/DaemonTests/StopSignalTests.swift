import Foundation
import Synchronization
import Testing
@testable import Daemon

/// Services pause on a `StopSignal` instead of sleeping and polling a flag: a stop ends any pause at once.
struct StopSignalTests {
    /// A pause of an hour ends when the signal fires from another thread, and reports that it did; a pause on a
    /// signal already fired returns at once. (Broken, the first wait would hold the test for an hour.)
    @Test func firingEndsAPauseOfAnyLength() throws {
        let stop = StopSignal()
        let woken = Atomic<Bool>(false)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            woken.store(stop.wait(seconds: 3600), ordering: .sequentiallyConsistent)
            done.signal()
        }
        #expect(!stop.isSet)
        stop.fire()
        done.wait()
        let wokenBySignal = woken.load(ordering: .sequentiallyConsistent)
        #expect(wokenBySignal)
        #expect(stop.wait(seconds: 3600))
    }

    /// A pause that nothing ends returns false after its time.
    @Test func anUnfiredPauseReturnsFalse() {
        #expect(!StopSignal().wait(seconds: 0.01))
    }
}
