import EventCore
import Foundation
import LookoutTestSupport
import Testing
import Vocabulary

/// Silences, away notes, stats, devices, rejects and status through the built binary.
@Suite struct OperationsCommandsTests {
    @Test func silenceAddListRemove() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        // A silence that covers no registered device is refused, whatever else it says.
        let nothing = try fixture.run(["silence", "add", "--building", "c01/3", "--for", "2h", "--reason", "fire alarm test"])
        #expect(nothing.status == 1)
        #expect(nothing.stderr.contains("covers no registered device"), "\(nothing.stderr)")
        try fixture.store.mirrorRegistry([DeviceState(id: "SD-0301", kind: "smoke", community: "c01", building: "3"),
                                          DeviceState(id: "SOS-0301", kind: "sos", community: "c01", building: "3")],
                                         at: fixture.now)
        let add = try fixture.run(["silence", "add", "--building", "c01/3", "--for", "2h", "--reason", "fire alarm test", "--as", "frank"])
        #expect(add.status == 0, "\(add.stderr)")
        let silences = try fixture.store.listSilences(now: fixture.now)
        #expect(silences.count == 1)
        let silence = try #require(silences.first)
        #expect(silence.scope == .building(community: "c01", building: "3"))
        #expect(silence.reason == "fire alarm test (on behalf of frank)")
        #expect(silence.actor == LookoutdProcess.runnerLogin)
        #expect(abs(silence.until - fixture.now - 7_200_000) < 600_000)

        let list = try fixture.run(["silence", "list"])
        #expect(list.status == 0)
        #expect(list.stdout.contains("building c01/3"))
        #expect(list.stdout.contains("fire alarm test"))
        #expect(list.stdout.contains("0 event(s) hidden, 2 device(s)"), "\(list.stdout)")
        let json = try fixture.run(["silence", "list", "--json"])
        let array = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(array.first?["reason"] as? String == "fire alarm test (on behalf of frank)")

        // Events raised in the silenced building are recorded, marked silenced.
        let event = try fixture.raise("SD-0301", level: .red)
        #expect(event.silenced)
        let holding = try fixture.run(["silence", "list"])
        #expect(holding.stdout.contains("1 event(s) hidden, 2 device(s)"), "\(holding.stdout)")
        #expect(holding.stdout.contains("silence \(silence.id) hides \(event.id)"), "\(holding.stdout)")

        let remove = try fixture.run(["silence", "remove", String(silence.id)])
        #expect(remove.status == 0, "\(remove.stderr)")
        #expect(try fixture.store.listSilences(now: fixture.now).isEmpty)
        #expect(try fixture.run(["silence", "remove", String(silence.id)]).status == 1)
        // Lifting it shows what it hid, deadlines from now.
        let shown = try #require(try fixture.store.event(id: event.id))
        #expect(!shown.silenced)
    }

    @Test func silenceLimitsNeedForce() throws {
        let fixture = try CLIFixture()
        // The device comes from lookoutd's own registry: a row written into the mirror by the test could be undone by
        // the daemon's mirror service writing its (empty) registry after it.
        try fixture.startDaemon(registry: "id,kind,community,building\nSD-0301,smoke,c01,3\n")
        try fixture.waitUntilMirrored("SD-0301")
        let cases: [([String], String)] = [
            (["--community", "c01", "--for", "1h"], "covers the whole community c01"),
            (["--kind", "smoke", "--for", "1h"], "covers every community"),
            (["--building", "c01/3", "--for", "25h"], "longer than the maximum of 24 h"),
        ]
        for (arguments, why) in cases {
            let refused = try fixture.run(["silence", "add"] + arguments + ["--reason", "x"])
            #expect(refused.status == 1)
            #expect(refused.stderr.contains(why) && refused.stderr.contains("--force"), "\(arguments): \(refused.stderr)")
            let forced = try fixture.run(["silence", "add"] + arguments + ["--reason", "x", "--force"])
            #expect(forced.status == 0, "\(arguments): \(forced.stderr)")
        }
        for arguments in [["--device", "SD-9999"], ["--building", "c01/4"], ["--building", "c01/3", "--kind", "sos"]] {
            let refused = try fixture.run(["silence", "add"] + arguments + ["--for", "1h", "--reason", "x"])
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("covers no registered device"), "\(arguments): \(refused.stderr)")
        }
        #expect(try fixture.store.listSilences(now: fixture.now).count == 3)
    }

    @Test func silenceUsageErrors() throws {
        let fixture = try CLIFixture()
        for arguments in [["silence", "add", "--for", "2h", "--reason", "x"],
                          ["silence", "add", "--device", "A", "--community", "c01", "--for", "2h", "--reason", "x"],
                          ["silence", "add", "--device", "A", "--for", "soon", "--reason", "x"],
                          ["silence", "add", "--device", "A", "--for", "2h"],
                          ["silence", "add", "--building", "c01", "--for", "2h", "--reason", "x"],
                          ["silence", "remove", "abc"], ["silence", "frob"], ["silence"]] {
            let result = try fixture.run(arguments)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
        }
        #expect(try fixture.store.listSilences(now: fixture.now).isEmpty)
    }

    @Test func awayNotes() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon(registry: Self.awayRegistry)
        try fixture.waitUntilMirrored("DR-0012")
        let add = try fixture.run(["away", "add", "--device", "DR-0012", "--until", "3d", "--reason", "in hospital"])
        #expect(add.status == 0, "\(add.stderr)")
        #expect(try fixture.store.isAway(subject: "DR-0012", at: fixture.now + 60_000))
        let list = try fixture.run(["away", "list"])
        #expect(list.stdout.contains("DR-0012"))
        #expect(list.stdout.contains("in hospital"))
        let id = try #require(try fixture.store.listAwayNotes(now: fixture.now).first?.id)
        #expect(try fixture.run(["away", "remove", String(id)]).status == 0)
        #expect(try !fixture.store.isAway(subject: "DR-0012", at: fixture.now + 60_000))
        #expect(try fixture.run(["away", "add", "--device", "DR-0012", "--until", "2001-01-01", "--reason", "x"]).status == 64)
        // A note may name the resident (registry resident_id) instead of one of their devices; not both.
        #expect(try fixture.run(["away", "add", "--resident", "R-0012", "--until", "3d", "--reason", "in hospital"]).status == 0)
        #expect(try fixture.store.isAway(subject: "R-0012", at: fixture.now + 60_000))
        #expect(try fixture.run(["away", "add", "--resident", "R-0012", "--device", "DR-0012", "--until", "3d", "--reason", "x"]).status == 64)
        #expect(try fixture.run(["away", "add", "--until", "3d", "--reason", "x"]).status == 64)
    }

    /// Two residents of the same name (周秀英) and one with a resident id.
    static let awayRegistry = """
        id,kind,community,building,unit,address,resident_name,lives_alone,resident_id
        DR-0012,door,c01,3,1,402,李德明,yes,R-0012
        SOS-0012,sos,c01,3,1,402,李德明,yes,R-0012
        DR-0013,door,c01,3,2,502,周秀英,yes,
        DR-0014,door,c01,4,1,101,周秀英,yes,
        """

    /// An away note that would quiet no one is refused with the reason, and none is stored: an unknown resident id,
    /// an unknown device, a resident's name (two residents share it) instead of an id.
    @Test func awayNotesForNoOneAreRefused() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon(registry: Self.awayRegistry)
        try fixture.waitUntilMirrored("DR-0014")
        let unknownResident = try fixture.run(["away", "add", "--resident", "R-9999", "--until", "3d", "--reason", "x"])
        #expect(unknownResident.status == 1, "\(unknownResident.stdout)")
        #expect(unknownResident.stderr.contains("no known device or registry resident id 'R-9999'"), "\(unknownResident.stderr)")
        let unknownDevice = try fixture.run(["away", "add", "--device", "DR-9999", "--until", "3d", "--reason", "x"])
        #expect(unknownDevice.status == 1, "\(unknownDevice.stderr)")
        let name = try fixture.run(["away", "add", "--resident", "周秀英", "--until", "3d", "--reason", "x"])
        #expect(name.status == 1)
        #expect(name.stderr.contains("the name of 2 resident(s)"), "\(name.stderr)")
        #expect(try fixture.store.listAwayNotes(now: fixture.now).isEmpty)
        // The mirror carries the resident id, so staff can find it.
        let devices = try fixture.run(["devices", "--json"])
        #expect(devices.stdout.contains(#""resident_id":"R-0012""#) || devices.stdout.contains(#""resident_id": "R-0012""#),
                "\(devices.stdout)")
    }

    @Test func statsCountsAndTimes() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        let red = try fixture.raise("SD-0001", level: .red, minutesAgo: 30)
        try fixture.raise("SD-0002", level: .yellow, minutesAgo: 20)
        try fixture.raise("MH-0003", level: .green, kind: "manhole", minutesAgo: 10)
        _ = try fixture.store.perform(.acknowledge, on: red.id, actor: "a", note: "", at: red.firstSeen + 60_000)
        _ = try fixture.store.perform(.onsite, on: red.id, actor: "a", note: "", at: red.firstSeen + 600_000)

        let text = try fixture.run(["stats", "--since", "1d"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("red"))
        #expect(text.stdout.contains("█"))
        #expect(text.stdout.contains("c01"))
        #expect(text.stdout.contains("1m"))  // median time to acknowledge

        let json = try fixture.run(["stats", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["total"] as? Int == 3)
        #expect((object["by_level"] as? [String: Int])?["red"] == 1)
        let ack = try #require(object["time_to_acknowledge"] as? [String: Any])
        #expect(ack["count"] as? Int == 1)
        #expect(ack["median_s"] as? Double == 60)
        let onsite = try #require(object["time_to_onsite"] as? [String: Any])
        #expect(onsite["median_s"] as? Double == 600)

        // A bounded period (the street office's month): this month has the three, a month long past none.
        // This month in the community's zone (lookoutd's `[site] time_zone`), in which `--month` is read.
        let local = try ZoneInfo.named("Asia/Shanghai").localTime(at: fixture.now)
        let month = String(format: "%04d-%02d", local.year, local.month)
        let thisMonth = try fixture.run(["stats", "--month", month, "--json"])
        let thisMonthObject = try #require(try JSONSerialization.jsonObject(with: Data(thisMonth.stdout.utf8)) as? [String: Any],
                                           "\(thisMonth.stderr)")
        #expect(thisMonthObject["total"] as? Int == 3)
        let past = try fixture.run(["stats", "--month", "2001-01", "--json"])
        #expect((try JSONSerialization.jsonObject(with: Data(past.stdout.utf8)) as? [String: Any])?["total"] as? Int == 0)
        #expect(try fixture.run(["stats", "--month", "2001-01"]).stdout.contains("Events from 2001-01-01 00:00:00 to 2001-02-01 00:00:00"))
        #expect(try fixture.run(["stats", "--since", "-1h", "--until", "-15m", "--json"]).status == 0)
        for bad in [["--month", "2026-13"], ["--month", "2026-11", "--since", "1d"], ["--since", "today", "--until", "yesterday"]] {
            #expect(try fixture.run(["stats"] + bad).status == 64, "\(bad)")
        }

        let community = try fixture.run(["stats", "--community", "c01", "--json"])
        let communityObject = try #require(try JSONSerialization.jsonObject(with: Data(community.stdout.utf8)) as? [String: Any])
        #expect(communityObject["community"] as? String == "c01")
        #expect(communityObject["total"] as? Int == 3)
        let none = try fixture.run(["stats", "--community", "zz"])
        #expect(none.status == 0)
        #expect(none.stdout.contains("none"))
    }

    /// A period of several days: whole days and hours come from the roll-up, the partial hours at both ends
    /// from the events; medians and percentiles at the precision the table shows, also in JSON.
    @Test func statsOverSeveralDaysAtDisplayPrecision() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        // (minutes ago, milliseconds to acknowledge); the first is outside `--since 3d`.
        let events: [(Int64, EpochMillis)] = [(5000, 10_000), (4000, 4_000_000), (3000, 700_500), (1500, 125_300),
                                         (200, 61_700), (10, 30_900)]
        for (index, (minutesAgo, toAcknowledge)) in events.enumerated() {
            let event = try fixture.raise("SD-\(index)", level: .red, minutesAgo: minutesAgo)
            _ = try fixture.store.perform(.acknowledge, on: event.id, actor: "a", note: "", at: event.firstSeen + toAcknowledge)
        }
        let json = try fixture.run(["stats", "--since", "3d", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["total"] as? Int == 5)
        let ack = try #require(object["time_to_acknowledge"] as? [String: Any])
        #expect(ack["count"] as? Int == 5)
        #expect(ack["median_s"] as? Double == 125)  // 125.3 s, in whole seconds below 10 minutes
        #expect(ack["p90_s"] as? Double == 3960)  // 66 min 40 s, in whole minutes below a day
        let text = try fixture.run(["stats", "--since", "3d"])
        #expect(text.stdout.contains("2m05s"))
        #expect(text.stdout.contains("1h06m"))
    }

    @Test func devicesShowStateBatteryAndOpenEvents() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        try fixture.store.mirrorRegistry([
            DeviceState(id: "SD-0001", kind: "smoke", community: "c01", building: "3", address: "3号楼2单元502",
                        reportIntervalSeconds: 3600),
            DeviceState(id: "SD-0002", kind: "smoke", community: "c01", reportIntervalSeconds: 3600),
            DeviceState(id: "MH-0001", kind: "manhole", community: "c01", reportIntervalSeconds: 86400),
        ], at: fixture.now)
        try fixture.store.recordDeviceActivity([
            DeviceActivity(deviceID: "SD-0001", kind: "smoke", at: fixture.now - 60_000, online: true, batteryPercent: 8),
            DeviceActivity(deviceID: "SD-0002", kind: "smoke", at: fixture.now - 3 * 3_600_000, batteryPercent: 90),
            DeviceActivity(deviceID: "XX-9", kind: "door", at: fixture.now - 1000),
        ])
        try fixture.raise("SD-0001", level: .red)

        let table = try fixture.run(["devices"])
        #expect(table.status == 0, "\(table.stderr)")
        let line = try #require(table.stdout.split(separator: "\n").first { $0.hasPrefix("SD-0001") })
        #expect(line.contains("online"))
        #expect(line.contains("8%"))
        #expect(table.stdout.contains("unregistered"))

        let offline = try fixture.run(["devices", "--offline", "--json"])
        let array = try #require(try JSONSerialization.jsonObject(with: Data(offline.stdout.utf8)) as? [[String: Any]])
        let ids = Set(array.compactMap { $0["id"] as? String })
        #expect(ids == ["SD-0002", "MH-0001"])  // silent beyond twice its interval; never seen
        let all = try fixture.run(["devices", "--kind", "smoke", "--json"])
        let smoke = try #require(try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [[String: Any]])
        #expect(smoke.first { $0["id"] as? String == "SD-0001" }?["open_events"] as? Int == 1)
        #expect(smoke.count == 2)
    }

    /// A registry far larger than one request line: the answer is one long line, read whole.
    @Test func devicesOfALargeRegistryAreAllListed() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        let devices = (0..<6000).map {
            DeviceState(id: "SD-\($0)", kind: "smoke", community: "c01", building: "3", address: "3号楼2单元\($0)",
                        owner: "property office", residentName: "resident \($0)", reportIntervalSeconds: 3600)
        }
        try fixture.store.mirrorRegistry(devices, at: fixture.now)
        let json = try fixture.run(["devices", "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let array = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(array.count == 6000)
    }

    @Test func rejectsAreListedWithPayloadsEscaped() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        try fixture.store.recordRejects([
            RejectedMessage(at: fixture.now - 5000, reason: "invalid_json", topic: "c01/smoke/SD-0001/event",
                            payloadExcerpt: "{\"event\":\u{1B}[2J\u{07}"),
            RejectedMessage(at: fixture.now - 1000, reason: "unknown_topic", topic: "junk/\u{1B}]0;x", payloadExcerpt: "{}"),
        ])
        let result = try fixture.run(["rejects"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("invalid_json"))
        #expect(result.stdout.contains("\\x1b[2J\\x07"))
        #expect(!result.stdout.contains("\u{1B}"))
        #expect(!result.stdout.contains("\u{07}"))
        let filtered = try fixture.run(["rejects", "--reason", "unknown_topic", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(filtered.stdout.utf8)) as? [String: Any])
        #expect((object["samples"] as? [Any])?.count == 1)
        #expect((object["counts"] as? [[String: Any]])?.first?["reason"] as? String == "unknown_topic")
    }

    @Test func statusReflectsTheDaemonRow() throws {
        let fixture = try CLIFixture()
        try fixture.raise("SD-0001", level: .red)
        // Nothing serves the socket: down.
        let never = try fixture.run(["status"])
        #expect(never.status == 1)
        #expect(never.stdout.contains("DOWN") && never.stdout.contains("lookoutd is down"), "\(never.stdout)")
        // lookoutd answers with the row it writes; it writes the next only in an hour, so the rows below are what it
        // reads back.
        try fixture.startDaemon(settings: ["status": ["interval": "1h"]])
        try Self.waitForFirstStatusRow(fixture)

        var values = ["pid": String(getpid()), "version": "0.1.0", "state": "running",
                      "started_at": String(fixture.now - 3_600_000), "updated_at": String(fixture.now),
                      "connected": "true", "connection_changed_at": String(fixture.now - 3_000_000),
                      "subscriptions": "+/+/+/+", "messages_per_second": "12.5", "messages_received": "1000",
                      "messages_processed": "990", "messages_rejected": "10", "messages_duplicate": "0",
                      "rejects_by_reason": "invalid_json=7,unknown_topic=3", "rules_loaded": "12", "rule_errors": "0",
                      "devices_registered": "40", "last_commit_at": String(fixture.now - 1000), "commit_failures": "0",
                      "outbox_backlog": "0", "overdue": "0", "broker_reconnects": "1",
                      "open_red": "1", "open_yellow": "0", "open_green": "0"]
        try fixture.store.writeDaemonStatus(values, at: EpochMillis(Date().timeIntervalSince1970 * 1000))
        let up = try fixture.run(["status"])
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        #expect(up.stdout.contains("running"))
        #expect(up.stdout.contains("12.5/s"))
        #expect(up.stdout.contains("invalid_json=7"))
        #expect(up.stdout.contains("red 1"))

        values["connected"] = "false"
        try fixture.store.writeDaemonStatus(values, at: EpochMillis(Date().timeIntervalSince1970 * 1000))
        let disconnected = try fixture.run(["status", "--json"])
        #expect(disconnected.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(disconnected.stdout.utf8)) as? [String: Any])
        #expect(object["running"] as? Bool == true)
        #expect(object["connected"] as? Bool == false)

        // A stale row (older than three intervals) means the daemon is down.
        values["connected"] = "true"
        try fixture.store.writeDaemonStatus(values, at: EpochMillis(Date().timeIntervalSince1970 * 1000) - 600_000)
        let stale = try fixture.run(["status"])
        #expect(stale.status == 1)
        #expect(stale.stdout.contains("old"))

        // The same age is fine when the daemon says it writes only every 5 minutes.
        values["status_interval_s"] = "300"
        try fixture.store.writeDaemonStatus(values, at: EpochMillis(Date().timeIntervalSince1970 * 1000) - 600_000)
        #expect(try fixture.run(["status"]).status == 0)

        // The last row of a clean stop.
        values["state"] = "stopped"
        try fixture.store.writeDaemonStatus(values, at: EpochMillis(Date().timeIntervalSince1970 * 1000))
        let stopped = try fixture.run(["status"])
        #expect(stopped.status == 1)
        #expect(stopped.stdout.contains("stopped"))
    }

    /// Waits until lookoutd has written the row it writes as it starts, so that the test's rows come after it.
    static func waitForFirstStatusRow(_ fixture: CLIFixture) throws {
        _ = try waitFor("lookoutd's first status row") { try fixture.store.daemonStatus().updatedAt }
    }

    /// A daemon killed right after writing a fresh "running, connected" row: the row says ok, status says down.
    @Test func statusOfAKilledDaemonIsDownNeverAStaleOK() throws {
        let fixture = try CLIFixture()
        let daemon = try fixture.startDaemon(settings: ["status": ["interval": "1h"]])
        try Self.waitForFirstStatusRow(fixture)
        let values = ["pid": String(getpid()), "version": "0.1.0", "state": "running", "connected": "true",
                      "started_at": String(fixture.now), "status_interval_s": "3600"]
        try fixture.store.writeDaemonStatus(values, at: EpochMillis(Date().timeIntervalSince1970 * 1000))
        let up = try fixture.run(["status", "--json"])
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        daemon.killHard()
        let down = try fixture.run(["status"])
        #expect(down.status == 1)
        #expect(down.stdout.contains("DOWN") && !down.stdout.contains("running"), "\(down.stdout)")
        let json = try fixture.run(["status", "--json"])
        #expect(json.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["running"] as? Bool == false)
        #expect((object["problem"] as? String)?.contains("lookoutd is down") == true, "\(json.stdout)")
    }
}
