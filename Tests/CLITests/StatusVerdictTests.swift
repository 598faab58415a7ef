import EventCore
import Foundation
import Testing
@testable import lookout
import Vocabulary

/// `lookout status` with a status row the daemon could not refresh (issue 14 item 12).
@Suite struct StatusVerdictTests {
    let now: EpochMillis = 1_800_000_000_000
    func snapshot(age: EpochMillis, _ extra: [String: String] = [:]) -> DaemonStatusSnapshot {
        var values = ["pid": "4242", "state": "running", "connected": "true", "status_interval_s": "5"]
        for (key, value) in extra { values[key] = value }
        return DaemonStatusSnapshot(values: values, updatedAt: now - age)
    }
    func host(alive: Bool, free: Int64?) -> StatusCommand.HostProbe {
        StatusCommand.HostProbe(lookoutdRunning: { _ in alive }, bytesFree: { free })
    }

    @Test func aStaleRowOfALiveDaemonOnAFullDiskIsADiskFullNotDown() {
        let verdict = StatusCommand.verdict(snapshot(age: 60_000), now: now, host: host(alive: true, free: 0))
        #expect(verdict.running && verdict.storage == StatusCommand.StorageTrouble(since: nil, diskFull: true))
        #expect(StatusCommand.storageText(verdict.storage!, now: now).contains("nothing is being acknowledged"))
    }

    @Test func aStaleRowIsStillDownWhenTheProcessIsGoneOrTheDiskHasRoom() {
        for probe in [host(alive: false, free: 0), host(alive: true, free: 10_000_000), host(alive: true, free: nil)] {
            let verdict = StatusCommand.verdict(snapshot(age: 60_000), now: now, host: probe)
            #expect(!verdict.running && verdict.storage == nil && verdict.problem?.contains("old") == true)
        }
    }

    @Test func aFreshRowSayingCommitsFailIsReported() {
        let row = snapshot(age: 1_000, ["pid": String(getpid()), "commits_failing_since": String(now - 30_000), "disk_full": "true"])
        let verdict = StatusCommand.verdict(row, now: now, host: host(alive: true, free: 10_000_000))
        #expect(verdict.running && verdict.storage == StatusCommand.StorageTrouble(since: now - 30_000, diskFull: true))
        let fine = StatusCommand.verdict(snapshot(age: 1_000, ["pid": String(getpid())]), now: now, host: host(alive: true, free: 0))
        #expect(fine.running && fine.storage == nil, "a live row without failing commits trusts the daemon")
    }
}
