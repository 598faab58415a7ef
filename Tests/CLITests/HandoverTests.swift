import EventCore
import Foundation
import LookoutTestSupport
import MQTTClient
import StaffAPI
import TerminalText
import Testing
import Vocabulary

/// `lookout handover` (issue 18): what the next shift must know, read through lookoutd; handing over and taking
/// over recorded under the names lookoutd authenticated (the kernel's uid), never a name typed on the command line.
@Suite struct HandoverTests {
    static let runner = LookoutdProcess.runnerLogin
    /// The incoming staff: uid 65534 (`nobody`), run with `setpriv`.
    static let incomingUID = 65534
    static var incoming: String { PeerName.of(uid: uid_t(incomingUID)) ?? "uid 65534" }

    /// A staff directory with the runner (outgoing) and `nobody` (incoming), both staff of team fire.
    static func directory(runnerRole: String = "staff") -> String {
        "[user \(runner)]\nname = Outgoing\nrole = \(runnerRole)\nteams = fire\n\n[user \(incoming)]\nname = Incoming\nrole = staff\nteams = fire\n"
    }

    /// A shift's worth of state: an escalated overdue red event, an open yellow one, an acknowledged one; a silence,
    /// an away note; one device offline, one silent, one fine. Returns the events (escalated, yellow, acknowledged).
    static func shift(_ fixture: CLIFixture) throws -> (EventRecord, EventRecord, EventRecord) {
        let now = fixture.now
        try fixture.store.mirrorRegistry([
            DeviceState(id: "SD-0001", kind: "smoke", community: "c01", building: "3", address: "3号楼2单元502", reportIntervalSeconds: 3600),
            DeviceState(id: "SD-0002", kind: "smoke", community: "c01", building: "5", address: "5号楼1单元101", reportIntervalSeconds: 3600),
            DeviceState(id: "MH-0001", kind: "manhole", community: "c01", reportIntervalSeconds: 3600),
        ], at: now)
        try fixture.store.recordDeviceActivity([
            DeviceActivity(deviceID: "SD-0001", kind: "smoke", at: now - 60_000, online: true),
            DeviceActivity(deviceID: "SD-0002", kind: "smoke", at: now - 120_000, online: false),
            DeviceActivity(deviceID: "MH-0001", kind: "manhole", at: now - 3 * 3_600_000),
        ])
        let trigger = EventTrigger(
            rule: "smoke_alarm", eventKey: "smoke_alarm:SD-0001", level: .yellow, escalateTo: .red, kind: "smoke",
            deviceID: "SD-0001", location: EventLocation(community: "c01", building: "3", address: "3号楼2单元502",
                                                         residentName: "张伟", registered: true),
            title: "Smoke at SD-0001", teams: ["fire"], ackWithinSeconds: 60, at: now - 10 * 60_000)
        let escalated = try fixture.store.raise(trigger).event
        #expect(try fixture.store.runEscalations(now: now).count >= 1)
        let yellow = try fixture.raise("MH-0002", level: .yellow, kind: "manhole", minutesAgo: 3, teams: ["fire"])
        let taken = try fixture.raise("SD-0003", level: .yellow, minutesAgo: 2, teams: ["fire"])
        _ = try fixture.store.addSilence(scope: SilenceScope(deviceID: "SD-0009"), until: now + 3_600_000,
                                         reason: "detector cleaning", actor: "supervisor1", at: now)
        _ = try fixture.store.addAwayNote(subject: "SD-0002", until: now + 86_400_000, reason: "in hospital",
                                          actor: "supervisor1", at: now)
        return (escalated, yellow, taken)
    }

    /// The parsed `--json` object.
    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test(.enabled(if: StaffAPITests.canSwitchUser, "needs root to run the CLI as another user"))
    func handoverListsTheShiftAndRecordsBothStaffUnderTheirAuthenticatedNames() throws {
        let fixture = try CLIFixture()
        let daemon = try fixture.startDaemon(staff: Self.directory())
        chmod(daemon.directory.path, 0o755)
        let (escalated, yellow, taken) = try Self.shift(fixture)
        #expect(try fixture.run(["note", escalated.id, "ladder needed"]).status == 0)
        #expect(try fixture.run(["ack", taken.id, "--note", "on my way"]).status == 0)

        let read = try fixture.run(["handover", "--json"])
        #expect(read.status == 0, "\(read.stderr)")
        let summary = try Self.object(read.stdout)
        let events = try #require(summary["events"] as? [[String: Any]])
        #expect(events.compactMap { $0["id"] as? String } == [escalated.id, yellow.id, taken.id])  // red first
        #expect(summary["overdue"] as? [String] == [escalated.id])
        #expect((summary["escalations"] as? [[String: Any]])?.map { $0["event"] as? String } == [escalated.id])
        #expect((summary["silences"] as? [[String: Any]])?.first?["reason"] as? String == "detector cleaning")
        #expect((summary["away_notes"] as? [[String: Any]])?.first?["subject"] as? String == "SD-0002")
        #expect((summary["offline_devices"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["MH-0001", "SD-0002"])
        let notes = try #require(summary["notes"] as? [[String: Any]])
        #expect(notes.map { $0["note"] as? String } == ["ladder needed", "on my way"])
        #expect(notes.allSatisfy { $0["actor"] as? String == Self.runner })
        #expect(summary["last_handover"] is NSNull)
        // Staff see events without the resident's name, as in lists.
        #expect(!read.stdout.contains("张伟"))

        // Handing over: the outgoing is who the kernel says; `--as` only adds whom they acted for.
        let give = try fixture.run(["handover", "--to", Self.incoming, "--note", "E-1 needs a ladder"])
        #expect(give.status == 0, "\(give.stderr)")
        #expect(give.stdout.hasPrefix("Shift handed over to \(Self.incoming) by \(Self.runner)."), "\(give.stdout)")
        // Only the person it was handed to takes it over.
        let wrong = try fixture.run(["handover", "--accept"])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("\(Self.runner) handed the shift over to \(Self.incoming), not to \(Self.runner)"), "\(wrong.stderr)")
        let accept = try fixture.run(["handover", "--accept"], asUser: Self.incomingUID)
        #expect(accept.status == 0, "\(accept.stderr)")
        #expect(accept.stdout.hasPrefix("Shift taken over from \(Self.runner) by \(Self.incoming)."), "\(accept.stdout)")
        // What was taken over is the shift handed over: its notes are there.
        #expect(accept.stdout.contains("ladder needed"), "\(accept.stdout)")
        let again = try fixture.run(["handover", "--accept"], asUser: Self.incomingUID)
        #expect(again.status == 1 && again.stderr.contains("no handover waits for \(Self.incoming)"), "\(again.stderr)")

        let audit = try fixture.store.auditEntries().filter { $0.operation.hasPrefix("handover_") && $0.outcome == .ok }
        #expect(audit.map(\.operation) == ["handover_give", "handover_accept"])
        #expect(audit.map(\.user) == [Self.runner, Self.incoming])
        #expect(audit.first?.detail == "to \(Self.incoming): E-1 needs a ladder")
        #expect(audit.last?.detail == "from \(Self.runner)")
        #expect(audit.last?.origin == "local uid \(Self.incomingUID)")

        // The new shift starts at the takeover: the old notes are not its notes; the handover is on record.
        let next = try Self.object(try fixture.run(["handover", "--json"], asUser: Self.incomingUID).stdout)
        #expect((next["notes"] as? [Any])?.isEmpty == true)
        let last = try #require(next["last_handover"] as? [String: Any])
        #expect(last["from"] as? String == Self.runner && last["to"] as? String == Self.incoming)
        #expect(last["accepted_by"] as? String == Self.incoming && last["note"] as? String == "E-1 needs a ladder")
        // `--since` looks further back.
        let back = try Self.object(try fixture.run(["handover", "--since", "1h", "--json"]).stdout)
        #expect((back["notes"] as? [Any])?.count == 2)
    }

    @Test func handoverRefusesANameOutsideTheDirectoryAndViewersMayOnlyRead() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon(staff: Self.directory(runnerRole: "viewer"))
        _ = try Self.shift(fixture)
        let read = try fixture.run(["handover"])
        #expect(read.status == 0, "\(read.stderr)")
        #expect(!read.stdout.contains("张伟"))
        let give = try fixture.run(["handover", "--to", Self.incoming])
        #expect(give.status == 1 && give.stderr.contains("needs role staff"), "\(give.stderr)")
        #expect(try fixture.run(["handover", "--to", "x", "--accept"]).status == 64)
        #expect(try fixture.run(["handover", "--note", "x"]).status == 64)
        #expect(try fixture.store.auditEntries().filter { $0.operation == "handover_give" }.allSatisfy { $0.outcome == .refused })
    }

    @Test func handoverRefusesAHandoverToSomeoneNotInTheDirectoryOrToOneself() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon(staff: Self.directory())
        let unknown = try fixture.run(["handover", "--to", "mallory"])
        #expect(unknown.status == 1 && unknown.stderr.contains("'mallory' is not in the staff directory"), "\(unknown.stderr)")
        let own = try fixture.run(["handover", "--to", Self.runner])
        #expect(own.status == 1 && own.stderr.contains("yourself"), "\(own.stderr)")
        #expect(try fixture.store.lastHandover() == nil)
    }

    @Test func theJSONKeysAreStableAndTheTextFits80ColumnsInEnglishAndChinese() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon(staff: Self.directory())
        _ = try Self.shift(fixture)
        let json = try fixture.run(["handover", "--json"])
        let keys = json.stdout.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.dropFirst(3).prefix { $0 != "\"" } }
        #expect(keys == ["operation", "actor", "since", "until", "last_handover", "events", "overdue", "escalations",
                         "silences", "away_notes", "offline_devices", "notes"])
        let english = try fixture.run(["handover"], environment: ["COLUMNS": "80"])
        #expect(english.status == 0)
        #expect(english.stdout.contains("Open events: 3, overdue: 1"), "\(english.stdout)")
        #expect(english.stdout.contains("Devices offline: 2"))
        var chinese = try TestLocale.chinese()
        chinese["COLUMNS"] = "80"
        let zh = try fixture.run(["handover"], environment: chinese)
        #expect(zh.status == 0, "\(zh.stderr)")
        #expect(zh.stdout.contains("未结事件：3，超时：1"), "\(zh.stdout)")
        #expect(zh.stdout.contains("离线设备：2"), "\(zh.stdout)")
        for line in (english.stdout + zh.stdout).split(separator: "\n") {
            #expect(DisplayWidth.of(String(line)) <= 80, "wider than 80 columns: \(line)")
        }
        // A refusal about a handover is said in Chinese too.
        let none = try fixture.run(["handover", "--accept"], environment: chinese)
        #expect(none.status == 1 && none.stderr.contains("没有等待") , "\(none.stderr)")
    }

    /// Over the broker the incoming staff is the broker user the request topic names: bob cannot take over what was
    /// handed to alice, alice can, and the audit names her as the broker user.
    @Test func theIncomingStaffOverTheBrokerIsTheBrokerUser() throws {
        let broker = try RemoteAPITests.broker()
        let fixture = try CLIFixture()
        let daemon = try RemoteAPITests.daemon(fixture, broker: broker)
        try RemoteAPITests.waitForLog(daemon, "remote staff API serving")
        let give = try fixture.run(["handover", "--to", "alice"])
        #expect(give.status == 0, "\(give.stderr)")
        let accept = { (user: String, id: String) throws -> APIResponse in
            let client = try RemoteAPITests.client(user, broker: broker)
            let request = APIRequest(id: id, expiresAt: WallClock.now() + 60_000, operation: .handoverAccept, arguments: [:])
            #expect(try RemoteAPITests.publish(request, as: client, topicUser: user) == MQTT5ReasonCode.success)
            return try RemoteAPITests.answer(client, id: id)
        }
        let bob = try accept("bob", "bob-accept")
        #expect(!bob.ok && bob.error?.reason == APIError.handoverForOther && bob.error?.values == [Self.runner, "alice", "bob"],
                "\(bob)")
        let alice = try accept("alice", "alice-accept")
        #expect(alice.ok && alice.result?.handover?.last?.acceptedBy == "alice", "\(alice)")
        let row = try #require(try fixture.store.auditEntries().first { $0.requestID == "alice-accept" })
        #expect(row.user == "alice" && row.origin == "broker user alice" && row.operation == "handover_accept" && row.detail == "from \(Self.runner)")
        #expect(try fixture.store.lastHandover()?.acceptedBy == "alice")
    }
}
