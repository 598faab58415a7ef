import EventCore
import Foundation
import LookoutTestSupport
import StaffAPI
import Testing
import Vocabulary

/// The local door (issue 16): `lookout` acts only through lookoutd's API socket, as the user the kernel names,
/// within the role the staff directory gives them; every request is in the audit. The daemon runs without a
/// broker: the door does not depend on it.
@Suite struct StaffAPITests {
    static let runner = LookoutdProcess.runnerLogin
    static let canSwitchUser = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")

    /// A directory entry for the test runner.
    static func runnerEntry(role: String, teams: String) -> String {
        "[user \(runner)]\nname = Test Runner\nrole = \(role)\nteams = \(teams)\nphone = 13800000000\n"
    }

    /// The audit rows about `eventID`.
    static func audit(_ fixture: CLIFixture, event eventID: String) throws -> [AuditEntry] {
        try fixture.store.auditEntries().filter { $0.eventID == eventID }
    }

    @Test func staffOfTeamFireAcksAFireEventAndTheTimelineNamesThem() throws {
        let fixture = try CLIFixture()
        let daemon = try fixture.startDaemon(staff: Self.runnerEntry(role: "staff", teams: "fire"))
        // Anyone may connect: who they are comes from the kernel, not from the file's mode.
        var info = stat()
        #expect(stat(daemon.socketPath, &info) == 0 && info.st_mode & 0o777 == 0o666)
        let event = try fixture.raise("SD-0113", level: .red, teams: ["fire"])
        let ack = try fixture.run(["ack", event.id, "--note", "on my way"])
        #expect(ack.status == 0, "\(ack.stderr)")
        #expect(ack.stdout.contains("acknowledged") && ack.stdout.contains("by \(Self.runner)"), "\(ack.stdout)")
        #expect(try fixture.store.event(id: event.id)?.status == .acknowledged)
        #expect(try fixture.store.timeline(of: event.id).contains {
            $0.actor == Self.runner && $0.action == "acknowledged" && $0.note == "on my way"
        })
        let rows = try Self.audit(fixture, event: event.id)
        #expect(rows.count == 1)
        #expect(rows.first?.user == Self.runner && rows.first?.origin == "local uid \(getuid())")
        #expect(rows.first?.operation == "ack" && rows.first?.outcome == .ok)
    }

    @Test func staffAreRefusedOnAnEventOfAnotherTeam() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon(staff: Self.runnerEntry(role: "staff", teams: "fire"))
        let event = try fixture.raise("MH-0001", level: .yellow, kind: "manhole", teams: ["police"])
        let ack = try fixture.run(["ack", event.id])
        #expect(ack.status == 1)
        #expect(ack.stderr.hasPrefix("lookout: error: refused:"), "\(ack.stderr)")
        #expect(ack.stderr.contains("needs role supervisor") && ack.stderr.contains("police"), "\(ack.stderr)")
        #expect(ack.stdout.isEmpty)
        #expect(try fixture.store.event(id: event.id)?.status == .open)
        #expect(try fixture.store.timeline(of: event.id).allSatisfy { $0.action == "raised" })
        let rows = try Self.audit(fixture, event: event.id)
        #expect(rows.count == 1)
        #expect(rows.first?.outcome == .refused && rows.first?.user == Self.runner)
        #expect(rows.first?.detail.contains("supervisor") == true)
        // Reporting in for a team that is not theirs is refused the same way.
        let reportIn = try fixture.run(["ack", event.id, "--team", "police"])
        #expect(reportIn.status == 1 && reportIn.stderr.contains("needs role supervisor"), "\(reportIn.stderr)")
        // So is a test notification, even to their own team.
        let notify = try fixture.run(["notify", "test", "fire", "--timeout", "1s"])
        #expect(notify.status == 1 && notify.stderr.contains("may not send a test notification: that needs role supervisor"),
                "\(notify.stderr)")
    }

    @Test func aViewerCannotAck() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon(staff: Self.runnerEntry(role: "viewer", teams: "fire"))
        let event = try fixture.raise("SD-0113", level: .red, teams: ["fire"])
        for arguments in [["ack", event.id], ["note", event.id, "looked"], ["resolve", event.id, "--note", "x", "--cause", "real"]] {
            let result = try fixture.run(arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr.contains("needs role staff"), "\(arguments): \(result.stderr)")
        }
        let silence = try fixture.run(["silence", "add", "--device", "SD-0113", "--for", "1h", "--reason", "x"])
        #expect(silence.status == 1 && silence.stderr.contains("needs role supervisor"), "\(silence.stderr)")
        #expect(try fixture.store.event(id: event.id)?.status == .open)
        #expect(try fixture.store.timeline(of: event.id).count == 1)
        #expect(try Self.audit(fixture, event: event.id).map(\.outcome) == [.refused, .refused, .refused])
        // Reading needs no more than viewer, and is on the record too.
        let show = try fixture.run(["show", event.id])
        #expect(show.status == 0 && show.stdout.contains(event.id), "\(show.stderr)")
        let list = try fixture.run(["events", "--json"])
        #expect(list.status == 0 && list.stdout.contains(event.id), "\(list.stderr)")
        #expect(try fixture.store.auditEntries().suffix(2).map { "\($0.operation) \($0.outcome.rawValue)" } == ["show ok", "events ok"])
        // So are the other reads (status exits 1 here only because this lookoutd has no broker).
        let reads: [[String]] = [["stats"], ["devices"], ["rejects"], ["silence", "list"], ["away", "list"], ["status"]]
        for arguments in reads {
            let result = try fixture.run(arguments)
            #expect(result.status == (arguments == ["status"] ? 1 : 0), "\(arguments): \(result.stderr)")
            #expect(!result.stderr.contains("refused"), "\(arguments): \(result.stderr)")
        }
        #expect(try fixture.store.auditEntries().suffix(reads.count).map { "\($0.operation) \($0.outcome.rawValue)" }
                == ["stats ok", "devices ok", "rejects ok", "silence_list ok", "away_list ok", "status ok"])
        #expect(try fixture.run(["status"]).stdout.contains("running"))
    }

    @Test func asRecordsOnWhoseBehalfAndStillNamesTheUser() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon(staff: Self.runnerEntry(role: "staff", teams: "fire"))
        let event = try fixture.raise("SD-0113", level: .red, teams: ["fire"])
        let ack = try fixture.run(["--as", "bob", "ack", event.id])
        #expect(ack.status == 0, "\(ack.stderr)")
        #expect(ack.stdout.contains("by \(Self.runner) on behalf of bob"), "\(ack.stdout)")
        let entry = try #require(try fixture.store.timeline(of: event.id).first { $0.action == "acknowledged" })
        #expect(entry.actor == Self.runner)
        #expect(entry.note == "on behalf of bob")
        #expect(try Self.audit(fixture, event: event.id).first?.onBehalfOf == "bob")
        // `--as` is not a way to be someone else: bob's rights do not come into it.
        let other = try fixture.raise("MH-0001", level: .yellow, kind: "manhole", teams: ["police"])
        let refused = try fixture.run(["--as", "bob", "ack", other.id])
        #expect(refused.status == 1 && refused.stderr.contains("\(Self.runner) (staff"), "\(refused.stderr)")
    }

    @Test(.enabled(if: canSwitchUser, "needs root to run the CLI as another user"))
    func aUidNotInTheDirectoryIsRefused() throws {
        let fixture = try CLIFixture()
        let daemon = try fixture.startDaemon(staff: Self.runnerEntry(role: "admin", teams: "fire"))
        chmod(daemon.directory.path, 0o755)
        let event = try fixture.raise("SD-0113", level: .red, teams: ["fire"])
        let ack = try fixture.run(["ack", event.id], asUser: 65534)
        #expect(ack.status == 1)
        let name = PeerName.of(uid: 65534) ?? "uid 65534"
        #expect(ack.stderr.contains("user \(name) (uid 65534) is not in the staff directory \(daemon.staffPath)"), "\(ack.stderr)")
        #expect(try fixture.store.event(id: event.id)?.status == .open)
        let rows = try Self.audit(fixture, event: event.id)
        #expect(rows.count == 1 && rows.first?.user == name && rows.first?.origin == "local uid 65534")
        #expect(rows.first?.outcome == .refused)
        let list = try fixture.run(["events"], asUser: 65534)
        #expect(list.status == 1 && list.stderr.contains("is not in the staff directory"), "\(list.stderr)")
        #expect(!list.stdout.contains(event.id))
    }

    @Test func withLookoutdStoppedAckSaysTheDaemonIsNotRunningAndChangesNothing() throws {
        let fixture = try CLIFixture()
        let daemon = try fixture.startDaemon()
        let event = try fixture.raise("SD-0113", level: .red, teams: ["fire"])
        // A clean stop removes the socket; a kill -9 leaves a socket file nobody serves. Both: not running.
        for stop in ["SIGTERM", "SIGKILL"] {
            if stop == "SIGTERM" {
                #expect(daemon.stop() == 0)
                #expect(!FileManager.default.fileExists(atPath: daemon.socketPath))
            } else {
                try daemon.startServing()
                daemon.killHard()
                #expect(FileManager.default.fileExists(atPath: daemon.socketPath))
            }
            let files = [fixture.databasePath, fixture.databasePath + "-wal"]
            let before = try files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
            let ack = try fixture.run(["ack", event.id])
            #expect(ack.status == 1, "\(stop)")
            #expect(ack.stderr == "lookout: error: lookoutd is not running (no API socket at \(daemon.socketPath)): acting on events needs the daemon\n",
                    "\(stop): \(ack.stderr)")
            #expect(try fixture.store.event(id: event.id)?.status == .open)
            #expect(try fixture.store.timeline(of: event.id).count == 1)
            let list = try fixture.run(["events"])
            #expect(list.status == 1 && list.stderr.contains("lookoutd is not running (no API socket at \(daemon.socketPath)): reading"),
                    "\(stop): \(list.stderr)")
            #expect(try fixture.store.auditEntries().isEmpty)
            #expect(try files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) } == before, "\(stop)")
        }
        // And once it runs again (replacing the stale socket), the same command works.
        try daemon.startServing()
        #expect(try fixture.run(["ack", event.id]).status == 0)
    }

    @Test func theStaffDirectoryIsReloadedOnSIGHUPAndABrokenOneIsRefused() throws {
        let fixture = try CLIFixture()
        let daemon = try fixture.startDaemon(staff: Self.runnerEntry(role: "staff", teams: "fire"))
        let first = try fixture.raise("SD-0001", level: .red, teams: ["fire"])
        let second = try fixture.raise("SD-0002", level: .red, teams: ["fire"])
        try "[user \(Self.runner)]\nrole = chief\nteams = fire\n".write(toFile: daemon.staffPath, atomically: true, encoding: .utf8)
        daemon.send(SIGHUP)
        _ = try waitFor("the refused reload", log: daemon.log) {
            daemon.logLines(containing: "staff directory reload refused").isEmpty ? nil : true
        }
        #expect(!daemon.logLines(containing: "\(daemon.staffPath):2: error: role must be one of").isEmpty, "\(daemon.log)")
        #expect(try fixture.run(["ack", first.id]).status == 0, "the directory in force is kept")

        try Self.runnerEntry(role: "viewer", teams: "fire").write(toFile: daemon.staffPath, atomically: true, encoding: .utf8)
        daemon.send(SIGHUP)
        _ = try waitFor("the reload", log: daemon.log) {
            daemon.logLines(containing: "staff directory reloaded: 1 staff").isEmpty ? nil : true
        }
        let refused = try fixture.run(["ack", second.id])
        #expect(refused.status == 1 && refused.stderr.contains("needs role staff"), "\(refused.stderr)")

        // `lookoutd --check` checks the directory too.
        try "[user \(Self.runner)]\nrole = staff\nteams = fire, no good\n".write(toFile: daemon.staffPath, atomically: true, encoding: .utf8)
        let check = try ChildProcess.run(ChildProcess.product("lookoutd"), ["--config", daemon.configPath, "--check"])
        #expect(check.status == 1)
        #expect(check.stderr.contains("\(daemon.staffPath):3: error: 'no good' is not a valid team name"), "\(check.stderr)")
    }

    @Test func aReopenThroughTheDaemonQueuesTheTeamsNotification() throws {
        let fixture = try CLIFixture()
        let notifiers = fixture.directory.file("notifiers.conf")
        try "[notifier log]\ncommand = /bin/true\n\n[team fire]\nnotifier = log\n".write(toFile: notifiers, atomically: true, encoding: .utf8)
        try fixture.startDaemon(settings: ["notify": ["notifiers": notifiers]])
        let event = try fixture.raise("SD-0113", level: .red, teams: ["fire"])
        #expect(try fixture.run(["resolve", event.id, "--note", "cooking smoke", "--cause", "nuisance"]).status == 0)
        let reopen = try fixture.run(["reopen", event.id, "--note", "smoke again"])
        #expect(reopen.status == 0, "\(reopen.stderr)")
        // The daemon's connection knows which teams have a notifier, as its intake does.
        let queued = try ChildProcess.run("/usr/bin/sqlite3", [fixture.databasePath,
                                                               "SELECT target || ' ' || reason FROM notifications WHERE event_id IS NOT NULL"])
        #expect(queued.stdout.split(separator: "\n").contains("fire reopened"), "\(queued.stdout)\(queued.stderr)")
    }

    @Test func expiredAndMalformedRequestsDoNotRunAndAreRecorded() throws {
        let fixture = try CLIFixture()
        let daemon = try fixture.startDaemon()
        let event = try fixture.raise("SD-0113", level: .red, teams: ["fire"])
        let client = LocalAPIClient(socketPath: daemon.socketPath, timeoutSeconds: 30)
        let expired = try client.send(APIRequest(id: "r-1", expiresAt: WallClock.now() - 3_600_000,
                                                 operation: .acknowledge, arguments: ["id": event.id]))
        #expect(expired.id == "r-1" && !expired.ok && expired.error?.code == .expired)
        let missing = try client.send(APIRequest(id: "r-2", expiresAt: WallClock.now() + 60_000,
                                                 operation: .dispatch, arguments: ["id": event.id]))
        #expect(missing.error?.code == .badRequest, "\(missing)")
        #expect(try fixture.store.event(id: event.id)?.status == .open)

        // A line that is not a request, and one far too long: answered or dropped, and the daemon serves on.
        let socket = try LineSocket.connect(path: daemon.socketPath, timeoutSeconds: 30)
        try socket.write(Array("{\"not\": \"a request\"}\n".utf8))
        let answer = try #require(try socket.readLine())
        #expect(try APILine.decode(APIResponse.self, from: answer).error?.code == .badRequest)
        let flood = try LineSocket.connect(path: daemon.socketPath, timeoutSeconds: 30)
        _ = try? flood.write([UInt8](repeating: UInt8(ascii: "x"), count: APILine.maximumBytes + 20_000))
        flood.close()
        let ok = try client.send(APIRequest(id: "r-3", expiresAt: WallClock.now() + 60_000,
                                            operation: .acknowledge, arguments: ["id": event.id]))
        #expect(ok.ok && ok.result?.event?.status == .acknowledged, "\(ok)")
        #expect(daemon.isRunning)
        let outcomes = try fixture.store.auditEntries().map(\.outcome)
        #expect(outcomes == [.expired, .badRequest, .badRequest, .ok], "\(outcomes)")
    }
}

/// The login name of a uid, as lookoutd looks it up.
enum PeerName {
    static func of(uid: uid_t) -> String? {
        guard let entry = getpwuid(uid) else { return nil }
        return String(validatingCString: entry.pointee.pw_name)
    }
}
