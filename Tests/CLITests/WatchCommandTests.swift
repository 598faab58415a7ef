import EventCore
import Foundation
import LookoutTestSupport
import Testing

/// Collects a child's output from a pipe as it arrives.
final class PipeCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        Thread.detachNewThread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                lock.withLock { data.append(chunk) }
            }
            done.signal()
        }
    }

    var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }

    /// Waits until `predicate` holds for the text so far (polling), or the child closed the pipe,
    /// or a generous limit passes (so a broken CLI fails the test instead of hanging it).
    @discardableResult
    func wait(until predicate: (String) -> Bool, limitSeconds: Double = 60) -> Bool {
        let end = Date().addingTimeInterval(limitSeconds)
        while Date() < end {
            if predicate(text) { return true }
            if done.wait(timeout: .now() + 0.05) == .success {
                done.signal()
                return predicate(text)
            }
        }
        return predicate(text)
    }
}

/// Waits for `process` to exit; after a generous limit it is killed, so a CLI that ignores SIGINT
/// fails the test instead of hanging the run.
func waitForExit(_ process: Process, limitSeconds: Double = 60) {
    let end = Date().addingTimeInterval(limitSeconds)
    while process.isRunning && Date() < end { usleep(20_000) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
}

/// `lookout watch` running as a child process, its output collected; killed if still running when released, so
/// a failing test never leaves it behind.
final class WatchProcess {
    let process = Process()
    let stdout: PipeCollector
    let stderr: PipeCollector

    /// Starts `lookout watch` with `arguments` on the fixture's lookoutd socket; `extra`: more environment
    /// (`COLUMNS`, the Chinese locale).
    init(_ fixture: CLIFixture, _ arguments: [String], environment extra: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: ChildProcess.product("lookout"))
        process.arguments = ["watch"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["LOOKOUT_SOCKET"] = fixture.socketPath
        environment["LOOKOUT_DB"] = nil
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        stdout = PipeCollector(out)
        stderr = PipeCollector(err)
        try process.run()
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    /// Sends SIGINT and waits for the exit.
    func interrupt() {
        process.interrupt()
        waitForExit(process)
    }
}

@Suite struct WatchCommandTests {
    @Test func watchPrintsChangesAsTheyHappenAndStopsOnSIGINT() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        let before = try fixture.raise("SD-0001", level: .yellow, title: "raised before watch started")
        let watch = try WatchProcess(fixture, ["--no-bell", "--interval", "0.1"])
        let (process, stdout, stderr) = (watch.process, watch.stdout, watch.stderr)
        #expect(stderr.wait(until: { $0.contains("watching") }), "\(stderr.text)")

        let raised = try fixture.raise("SD-0002", level: .red, title: "raised while watching")
        #expect(stdout.wait(until: { $0.contains(raised.id) }), "stdout: \(stdout.text) stderr: \(stderr.text)")
        // A change made through the door.
        let ack = try fixture.run(["ack", raised.id])
        #expect(ack.status == 0, "\(ack.stderr)")
        #expect(stdout.wait(until: { $0.contains("ACKNOWLEDGED") }), "\(stdout.text)")

        watch.interrupt()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        let lines = stdout.text.split(separator: "\n")
        #expect(lines.contains { $0.contains("RAISED") && $0.contains(raised.id) && $0.contains("raised while watching") })
        #expect(!stdout.text.contains(before.id), "watch starts from now")
        #expect(!stdout.text.contains("\u{07}"), "--no-bell")
    }

    @Test func watchReplayShowsRecentChangesAndFilters() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        let yellow = try fixture.raise("SD-0001", level: .yellow)
        let red = try fixture.raise("SD-0002", level: .red)
        let watch = try WatchProcess(fixture, ["--since-start", "--level", "red", "--bell", "--interval", "0.1"])
        let stdout = watch.stdout
        #expect(stdout.wait(until: { $0.contains(red.id) }), "\(stdout.text)")
        watch.interrupt()
        #expect(watch.process.terminationStatus == 0)
        #expect(!stdout.text.contains(yellow.id))
        #expect(stdout.text.contains("\u{07}"), "--bell rings on red")
    }

    /// A flapping detector's yellow event raised to red by a held alarm rings like a new red event.
    @Test func eventRaisedToRedRings() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        _ = try fixture.raise("SD-0003", level: .yellow, title: "smoke alarm flapping", minutesAgo: 2)
        let red = try fixture.raise("SD-0003", level: .red, minutesAgo: 1)
        #expect(red.level == .red)
        let watch = try WatchProcess(fixture, ["--since-start", "--bell", "--interval", "0.1"])
        let stdout = watch.stdout
        #expect(stdout.wait(until: { $0.contains("UPGRADED") }), "\(stdout.text)")
        watch.interrupt()
        let upgraded = stdout.text.split(separator: "\n").filter { $0.contains("UPGRADED") }
        #expect(upgraded.count == 1 && upgraded.allSatisfy { $0.contains("\u{07}") }, "\(stdout.text)")
    }

    @Test func silencedEventsAreNotAlerts() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        _ = try fixture.store.addSilence(scope: .device("SD-0009"), until: fixture.now + 3_600_000,
                                         reason: "fire alarm test", actor: "ops", at: fixture.now - 600_000)
        let silenced = try fixture.raise("SD-0009", level: .red, title: "alarm during the test")
        let real = try fixture.raise("SD-0002", level: .red, title: "real alarm")
        try #require(silenced.silenced && !real.silenced)

        let listed = try fixture.run(["events", "--no-color"])
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout.contains(real.id))
        #expect(!listed.stdout.contains(silenced.id))
        #expect(listed.stdout.contains("1 silenced event(s) not shown"))
        let json = try fixture.run(["events", "--json"])
        #expect(!json.stdout.contains(silenced.id))
        let all = try fixture.run(["events", "--silenced", "--no-color"])
        let line = try #require(all.stdout.split(separator: "\n").first { $0.contains(silenced.id) })
        #expect(line.contains("(silenced)"))
        #expect(!all.stdout.contains("not shown"))

        for includeSilenced in [false, true] {
            let watch = try WatchProcess(fixture, ["--since-start", "--bell", "--interval", "0.1"]
                                         + (includeSilenced ? ["--silenced"] : []))
            let stdout = watch.stdout
            // Changes arrive in order: once the later real alarm is printed, the silenced one was seen.
            #expect(stdout.wait(until: { $0.contains(real.id) }), "\(stdout.text)")
            watch.interrupt()
            let lines = stdout.text.split(separator: "\n")
            let silencedLines = lines.filter { $0.contains(silenced.id) }
            if includeSilenced {
                #expect(silencedLines.count == 1)
                #expect(silencedLines.allSatisfy { $0.contains("(silenced: ") && !$0.contains("\u{07}") })
            } else {
                #expect(silencedLines.isEmpty)
            }
            #expect(lines.contains { $0.contains(real.id) && $0.contains("\u{07}") }, "the real red alarm rings")
        }
    }

    /// lookoutd killed under a watch: the banner at once, with the bell; back, the watch resumes where it was and
    /// shows what changed meanwhile; with nothing happening, the periodic all-quiet line.
    @Test func watchSaysWhenLookoutdIsDownAndMissesNothingAcrossARestart() throws {
        let fixture = try CLIFixture()
        let daemon = try fixture.startDaemon()
        let watch = try WatchProcess(fixture, ["--bell", "--quiet", "1"])
        let stdout = watch.stdout
        #expect(stdout.wait(until: { $0.contains("all quiet, lookoutd OK") }), "\(stdout.text) \(watch.stderr.text)")
        let first = try fixture.raise("SD-0001", level: .yellow, title: "before the kill")
        #expect(stdout.wait(until: { $0.contains(first.id) }), "\(stdout.text)")

        daemon.killHard()
        #expect(stdout.wait(until: { $0.contains("lookoutd is down") }), "\(stdout.text)")
        let banner = try #require(stdout.text.split(separator: "\n").first { $0.contains("lookoutd is down") })
        #expect(banner.contains("\u{07}"), "the banner rings")

        // Changes while it is down (written to the file as lookoutd's intake would) and one more after the restart.
        let meanwhile = try fixture.raise("SD-0002", level: .red, title: "while lookoutd was down")
        _ = try fixture.store.perform(.acknowledge, on: first.id, actor: "erin", note: "", at: fixture.now)
        try daemon.startServing()
        #expect(stdout.wait(until: { $0.contains("lookoutd is back") }), "\(stdout.text)")
        let after = try fixture.raise("SD-0003", level: .yellow, title: "after the restart")
        #expect(stdout.wait(until: { $0.contains(after.id) }), "\(stdout.text)")
        watch.interrupt()
        #expect(watch.process.terminationStatus == 0)

        let lines = stdout.text.split(separator: "\n")
        #expect(lines.filter { $0.contains("RAISED") && $0.contains(meanwhile.id) }.count == 1, "\(stdout.text)")
        #expect(lines.filter { $0.contains("ACKNOWLEDGED") && $0.contains(first.id) }.count == 1, "\(stdout.text)")
        #expect(lines.filter { $0.contains("RAISED") && $0.contains(first.id) }.count == 1, "shown once: \(stdout.text)")
        // In order: the banner, what changed meanwhile, then the change after the restart.
        let order = [lines.firstIndex { $0.contains("lookoutd is down") }, lines.firstIndex { $0.contains(meanwhile.id) },
                     lines.firstIndex { $0.contains(after.id) }].compactMap { $0 }
        #expect(order.count == 3 && order == order.sorted(), "\(stdout.text)")
    }

    @Test func watchWithoutLookoutdSaysItIsDown() throws {
        let fixture = try CLIFixture()
        let watch = try WatchProcess(fixture, ["--no-bell"])
        #expect(watch.stdout.wait(until: { $0.contains("lookoutd is down") }), "\(watch.stdout.text)")
        watch.interrupt()
        #expect(!watch.stdout.text.contains("\u{07}"), "--no-bell")
    }

    /// A device payload larger than the API's line limit does not break the watch (watch never prints payloads).
    @Test func aChangeWithAPayloadBeyondTheLineLimitIsShown() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        let watch = try WatchProcess(fixture, ["--no-bell"])
        #expect(watch.stderr.wait(until: { $0.contains("watching") }), "\(watch.stderr.text)")
        let trigger = EventTrigger(
            rule: "smoke_alarm", eventKey: "smoke_alarm:SD-BIG", level: .red, kind: "smoke", deviceID: "SD-BIG",
            location: EventLocation(community: "c01", building: "3", unit: "2", address: "3号楼", registered: true),
            title: "alarm with a large payload", teams: [], topic: "c01/smoke/SD-BIG/event",
            payload: String(repeating: "x", count: 1_200_000), at: fixture.now)
        let big = try fixture.store.raise(trigger).event
        let after = try fixture.raise("SD-0002", level: .yellow, title: "after the large one")
        #expect(watch.stdout.wait(until: { $0.contains(after.id) }), "\(watch.stdout.text)")
        watch.interrupt()
        #expect(watch.stdout.text.contains(big.id))
        #expect(!watch.stdout.text.contains("lookoutd is down"), "\(watch.stdout.text)")
    }
}
