import EventCore
import Foundation
import LookoutTestSupport
import Testing

extension ReliabilityTests {
    /// Issue 14 item 12: while the disk is full, `lookout status` says so and that nothing is being
    /// acknowledged, instead of calling the daemon down (its status row cannot be written) with a backlog of -1.
    @Suite struct DiskFullStatusTests {
        /// `lookout status`, asked of the daemon.
        static func status(_ daemon: LookoutdProcess) throws -> ChildProcess.Result {
            try daemon.lookout(["--no-color", "status"])
        }

        @Test(.enabled(if: TinyFilesystem.isAvailable, "needs to mount a tmpfs (root with CAP_SYS_ADMIN)"))
        func statusSaysTheDiskIsFullAndNothingIsAcknowledged() throws {
            let (_, filesystem, daemon, publisher) = try DatabaseFailureTests.twentyAlarmsOntoAFullDisk()
            // A commit that fits in write-ahead log space already there still succeeds: more alarms until one fails.
            var more = 0
            _ = try waitFor("a failed commit", log: daemon.log) {
                if !daemon.logLines(containing: "database commit failed").isEmpty { return true }
                more += 1
                try publisher.publishAlarm("D-more\(more)", sequence: 1)
                try publisher.flush()
                return nil
            }
            var last = ""
            let full = try waitFor("lookout status saying the disk is full", log: String(daemon.log.suffix(800)) + "\n" + last) {
                let result = try Self.status(daemon)
                last = "last status:\n\(result.stdout)\(result.stderr)\n"
                return result.stdout.contains("DISK FULL") ? result : nil
            }
            #expect(full.stdout.contains("nothing is being acknowledged"), "\(full.stdout)")
            #expect(!full.stdout.contains("DOWN"), "\(full.stdout)")
            #expect(!full.stdout.contains("backlog -1"), "\(full.stdout)")
            #expect(full.status == 1, "a full disk needs attention")

            try filesystem.freeSpace()
            try daemon.drainWithSentinel(publisher, name: "after")
            let fine = try waitFor("lookout status back to normal", log: daemon.log) {
                let result = try Self.status(daemon)
                return result.status == 0 ? result : nil
            }
            #expect(!fine.stdout.contains("DISK FULL"), "\(fine.stdout)")
            #expect(daemon.stop() == 0)
        }
    }
}
