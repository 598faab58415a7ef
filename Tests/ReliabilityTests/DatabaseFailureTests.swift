import EventCore
import Foundation
import LookoutTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension ReliabilityTests {
    /// Promise 7: a full disk or a read-only database makes the daemon say so and stop acknowledging; once
    /// fixed, the broker's redeliveries are processed, and the database is sound.
    ///
    /// As root (the tests' usual user) file modes do not stop writes, so the failures are made with what
    /// does: a tiny tmpfs filled to the last byte (ENOSPC, SQLite's SQLITE_FULL) and the immutable attribute
    /// (`chattr +i`, which even root cannot write through). Each test runs only where its tool works.
    @Suite struct DatabaseFailureTests {
        /// A running daemon whose database is on a tiny tmpfs, filled to the last byte just after a first
        /// committed sentinel, and 20 alarms (`D-full0`…`D-full19`) published and flushed onto it.
        static func twentyAlarmsOntoAFullDisk(settings: [String: [String: String]] = [:]) throws
            -> (MosquittoBroker, TinyFilesystem, LookoutdProcess, TestPublisher) {
            let broker = try MosquittoBroker()
            let filesystem = try TinyFilesystem(megabytes: 8)
            let daemon = try LookoutdProcess(broker: broker, rules: Alarm.rules, dataDirectory: filesystem.path,
                                             settings: settings)
            try daemon.start()
            let publisher = try TestPublisher(broker: broker)
            try daemon.drainWithSentinel(publisher, name: "before")
            try filesystem.fill()
            for device in 0..<20 { try publisher.publishAlarm("D-full\(device)", sequence: 1) }
            try publisher.flush()
            return (broker, filesystem, daemon, publisher)
        }

        /// Whether all 20 full-disk alarms have an event.
        static func allTwentyCommitted(_ daemon: LookoutdProcess) throws -> Bool {
            try daemon.alarmTally().counts.keys.filter { $0.hasPrefix("D-full") }.count == 20
        }

        /// Waits until a commit failure is logged, or all 20 alarms are committed (in space the write-ahead log
        /// already had, after the checkpoint thread emptied it).
        static func waitForACommitFailureOrTheAlarms(_ daemon: LookoutdProcess) throws {
            _ = try waitFor("the commit failure in the log, or the alarms committed in reused log space", log: daemon.log) {
                try !daemon.logLines(containing: "database commit failed").isEmpty || allTwentyCommitted(daemon) ? true : nil
            }
        }

        /// Every one of the 20 full-disk alarms has exactly one event; then a clean stop and a sound database.
        static func expectEachFullDiskAlarmOnceAndStopCleanly(_ daemon: LookoutdProcess) throws {
            let tally = try daemon.alarmTally()
            for device in 0..<20 { #expect(tally.counts["D-full\(device)"] == 1) }
            #expect(daemon.stop() == 0)
            #expect(try daemon.integrityCheck() == "ok")
        }

        @Test(.enabled(if: TinyFilesystem.isAvailable, "needs to mount a tmpfs (root with CAP_SYS_ADMIN)"))
        func fullDiskStopsAcknowledgingAndRecoversWhenSpaceIsFreed() throws {
            let (_, filesystem, daemon, publisher) = try Self.twentyAlarmsOntoAFullDisk()

            // A commit fails once it needs a page the disk no longer has. (One that fits in space the write-ahead
            // log already has, after the checkpoint thread emptied it, still succeeds: then the alarms are simply
            // committed, once.)
            try Self.waitForACommitFailureOrTheAlarms(daemon)
            let failure = daemon.logLines(containing: "database commit failed")
            if !failure.isEmpty {
                #expect(failure.count == 1, "one line per failure streak, not per retry")
                #expect(failure.first?.contains("full") == true, "the log line should say the disk is full: \(failure)")
                #expect(failure.first?.contains("redelivered") == true)
                _ = try waitFor("commit failures in the metrics", log: daemon.log) {
                    (daemon.metric("lookout_commit_failures_total") ?? 0) >= 1 ? true : nil
                }
                #expect(daemon.isRunning)
            }

            // Not acknowledged: even a crash now loses nothing, the broker still holds the alarms. (A commit that
            // fits in space the write-ahead log already has, after a checkpoint emptied it, may still succeed: what
            // is in the database is there once and acknowledged, the rest comes back from the broker.)
            daemon.killHard()
            #expect(try daemon.alarmTally().counts.values.allSatisfy { $0 == 1 })
            try filesystem.freeSpace()
            try daemon.start()
            try daemon.drainWithSentinel(publisher, name: "after")
            try Self.expectEachFullDiskAlarmOnceAndStopCleanly(daemon)
        }

        @Test(.enabled(if: TinyFilesystem.isAvailable, "needs to mount a tmpfs (root with CAP_SYS_ADMIN)"))
        func fullDiskWhileRunningRecoversWithoutRestart() throws {
            let (_, filesystem, daemon, publisher) = try Self.twentyAlarmsOntoAFullDisk()

            // Redeliveries fail while the disk is full (each one drops and re-opens the connection)… A retry can
            // also succeed, when its pages fit in space the write-ahead log already has (the checkpoint thread
            // empties the log); then the alarms are committed, once, and that is fine too.
            let failures = { daemon.metric("lookout_commit_failures_total") ?? 0 }
            _ = try waitFor("five failed commits, or the alarms committed in reused log space", log: daemon.log) {
                try failures() >= 5 || Self.allTwentyCommitted(daemon) ? true : nil
            }
            let failedCommits = failures()
            try filesystem.freeSpace()
            try daemon.drainWithSentinel(publisher, name: "after")
            let tally = try daemon.alarmTally()
            for device in 0..<20 { #expect(tally.counts["D-full\(device)"] == 1) }
            // …but the log says it once per streak of failures, not once per retry, and each streak ends with
            // the recovery line.
            let failureLines = daemon.logLines(containing: "database commit failed").count
            if failureLines > 0 {
                _ = try waitFor("the recovery line", log: daemon.log) {
                    daemon.logLines(containing: "database commits succeed again").count >= failureLines ? true : nil
                }
                #expect(daemon.logLines(containing: "database commits succeed again").count == failureLines, "\(daemon.log)")
                if failedCommits >= 5 { #expect(Double(failureLines) < failedCommits, "\(daemon.log)") }
            }
            #expect(daemon.logLines(containing: "broker connection lost").count <= failureLines, "\(daemon.log)")
            #expect(daemon.logLines(containing: "connected to broker").count <= failureLines + 1, "\(daemon.log)")
            #expect(daemon.stop() == 0)
            #expect(try daemon.integrityCheck() == "ok")
        }

        /// A stop request while every commit fails must still end the process within the shutdown timeout.
        @Test(.enabled(if: TinyFilesystem.isAvailable, "needs to mount a tmpfs (root with CAP_SYS_ADMIN)"))
        func sigtermWhileTheDiskIsFullStillStops() throws {
            let (_, filesystem, daemon, publisher) = try Self.twentyAlarmsOntoAFullDisk(
                settings: ["shutdown": ["timeout": "5s"]])
            try Self.waitForACommitFailureOrTheAlarms(daemon)
            let beforeStop = daemon.notify.messages.count
            daemon.send(SIGTERM)
            #expect(daemon.notify.waitFor("STOPPING=1", from: beforeStop, timeout: 60) != nil)
            #expect(daemon.waitForExit(timeout: 60) == 0, "lookoutd did not stop cleanly with a full disk:\n\(daemon.log)")

            try filesystem.freeSpace()
            try daemon.start()
            try daemon.drainWithSentinel(publisher, name: "after")
            try Self.expectEachFullDiskAlarmOnceAndStopCleanly(daemon)
        }

        @Test(.enabled(if: ImmutableFile.isAvailable, "needs chattr +i on the temporary directory's filesystem"))
        func readOnlyDatabaseStopsTheStartClearlyAndQueuedAlarmsArriveAfterTheFix() throws {
            let broker = try MosquittoBroker()
            let daemon = try LookoutdProcess(broker: broker, rules: Alarm.rules)
            try daemon.start()
            #expect(daemon.stop() == 0)
            let publisher = try TestPublisher(broker: broker)
            for device in 0..<20 { try publisher.publishAlarm("D-ro\(device)", sequence: 1) }
            try publisher.flush()

            let immutable = try ImmutableFile(daemon.databasePath)
            try daemon.launch()
            #expect(daemon.waitForExit() == 1)
            let complaint = daemon.logLines(containing: "cannot open the database")
            #expect(complaint.count == 1, "\(daemon.log)")
            #expect(complaint.first?.contains(daemon.databasePath) == true)
            #expect(complaint.first?.contains("need read and write access") == true, "\(complaint)")

            try immutable.release()
            try daemon.start()
            try daemon.drainWithSentinel(publisher, name: "fixed")
            let tally = try daemon.alarmTally()
            for device in 0..<20 { #expect(tally.counts["D-ro\(device)"] == 1) }
            #expect(daemon.stop() == 0)
            #expect(try daemon.integrityCheck() == "ok")
        }
    }
}

/// A small tmpfs mounted on a fresh temporary directory, for disk-full tests. Unmounted when released.
final class TinyFilesystem {
    let directory: TemporaryDirectory
    var path: String { directory.path }
    private var mounted = false

    /// Whether tmpfs can be mounted here (root with CAP_SYS_ADMIN, as on the test machines).
    static let isAvailable: Bool = {
        guard let probe = try? TinyFilesystem(megabytes: 1) else { return false }
        return probe.mounted
    }()

    init(megabytes: Int) throws {
        directory = try TemporaryDirectory(prefix: "lookout-tinyfs")
        let result = try ChildProcess.run("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m,mode=0755", "tmpfs", directory.path])
        guard result.status == 0 else { throw ReliabilityError("mount tmpfs failed: \(result.stderr)") }
        mounted = true
    }

    deinit {
        if mounted { _ = try? ChildProcess.run("/usr/bin/umount", ["-l", directory.path]) }
    }

    /// Fills the filesystem to the last byte (`dd` stops with ENOSPC).
    func fill() throws {
        _ = try ChildProcess.run("/usr/bin/dd", ["if=/dev/zero", "of=\(directory.file("filler"))", "bs=4096"])
        let result = try ChildProcess.run("/usr/bin/df", ["--output=avail", directory.path])
        guard result.stdout.split(separator: "\n").last?.trimmingCharacters(in: .whitespaces) == "0" else {
            throw ReliabilityError("the filesystem is not full: \(result.stdout)")
        }
    }

    /// Deletes the filler.
    func freeSpace() throws { try FileManager.default.removeItem(atPath: directory.file("filler")) }
}

/// A file made immutable with `chattr +i`: even root cannot open it for writing. Released on deinit.
final class ImmutableFile {
    let path: String
    private var immutable = true

    /// Whether `chattr +i` works on the temporary directory's filesystem (ext4 does; tmpfs and overlayfs may not).
    static let isAvailable: Bool = {
        guard let directory = try? TemporaryDirectory(prefix: "lookout-chattr") else { return false }
        let file = directory.file("probe")
        guard FileManager.default.createFile(atPath: file, contents: Data("x".utf8)), let probe = try? ImmutableFile(file) else { return false }
        let writable = FileManager.default.isWritableFile(atPath: file) && fopen(file, "a").map { fclose($0); return true } ?? false
        try? probe.release()
        return !writable
    }()

    init(_ path: String) throws {
        let result = try ChildProcess.run("/usr/bin/chattr", ["+i", path])
        guard result.status == 0 else { throw ReliabilityError("chattr +i failed: \(result.stderr)") }
        self.path = path
    }

    /// Makes the file writable again.
    func release() throws {
        guard immutable else { return }
        let result = try ChildProcess.run("/usr/bin/chattr", ["-i", path])
        guard result.status == 0 else { throw ReliabilityError("chattr -i failed: \(result.stderr)") }
        immutable = false
    }

    deinit { try? release() }
}
