import EventCore
import Foundation
import LookoutTestSupport
import Testing
import Vocabulary

/// Issue 18, the shift and the month: causes recorded by `lookout resolve`, nuisance and false-alarm rates, and the
/// monthly report (`stats --month`/`--report`, `--json`, `--csv`), through the built `lookout` and lookoutd's API.
@Suite struct ResolveCauseTests {
    /// Raises an event of `device` `minutesAgo`, marks someone on site `onsiteAfter` minutes later and, with a cause,
    /// resolves it a minute after that (through the store, as a setup).
    @discardableResult
    static func event(_ fixture: CLIFixture, _ device: String, kind: String = "smoke", community: String = "c01",
                      grid: String = "g1", building: String = "1", teams: [String] = ["property"], minutesAgo: Int64,
                      onsiteAfter: Int64, cause: EventCause?) throws -> EventRecord {
        let at = fixture.now - minutesAgo * 60_000
        let trigger = EventTrigger(
            rule: "\(kind)_alarm", eventKey: "\(kind)_alarm:\(device)", level: .red, kind: kind, deviceID: device,
            location: EventLocation(community: community, building: building, address: "\(building)号楼", grid: grid, registered: true),
            title: "\(kind) alarm at \(device)", teams: teams, at: at)
        let event = try fixture.store.raise(trigger).event
        let onsite = at + onsiteAfter * 60_000
        _ = try fixture.store.perform(.onsite, on: event.id, actor: "grid-li", note: "", at: onsite)
        guard let cause else { return event }
        return try fixture.store.perform(.resolve, on: event.id, actor: "grid-li", note: "done", cause: cause, at: onsite + 60_000)
    }

    /// Ten events with known causes and on-site times: on site after 1 … 8, 20 and 30 minutes.
    static func knownMonth(_ fixture: CLIFixture) throws {
        let specs: [(String, String, String, String, String, [String], Int64, EventCause?)] = [
            ("SD-1", "smoke", "c01", "g1", "1", ["property"], 1, .nuisance),
            ("SD-1", "smoke", "c01", "g1", "1", ["property"], 2, .nuisance),
            ("SD-1", "smoke", "c01", "g1", "1", ["property"], 3, .real),
            ("SD-1", "smoke", "c01", "g1", "1", ["property"], 4, .falseAlarm),
            ("SD-2", "smoke", "c01", "g1", "2", ["property"], 5, .nuisance),
            ("SD-2", "smoke", "c01", "g1", "2", ["property"], 6, .real),
            ("SOS-1", "sos", "c02", "g2", "5, \"east\"", ["property", "medical"], 7, .errand),
            ("SOS-1", "sos", "c02", "g2", "5, \"east\"", ["property", "medical"], 8, .cancelledByResident),
            ("SOS-1", "sos", "c02", "g2", "5, \"east\"", ["property", "medical"], 20, .real),
            ("SD-3", "smoke", "c02", "g2", "5, \"east\"", ["property"], 30, nil),
        ]
        for (index, spec) in specs.enumerated() {
            try event(fixture, spec.0, kind: spec.1, community: spec.2, grid: spec.3, building: spec.4, teams: spec.5,
                      minutesAgo: 600 - Int64(index) * 50, onsiteAfter: spec.6, cause: spec.7)
        }
    }

    static func object(_ result: ChildProcess.Result) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stderr)")
    }

    @Test func aCauseIsStoredShownAndRefusedWithoutATerminal() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        let smoke = try fixture.raise("SD-0001", level: .red)
        let sos = try fixture.raise("SOS-0001", level: .red, kind: "sos")

        // No terminal on stdin and no --cause: refused, saying which causes there are; nothing changes.
        let asked = try fixture.run(["resolve", smoke.id, "--note", "cooking steam"])
        #expect(asked.status == 64, "\(asked.stderr)")
        for word in ["--cause", "nuisance", "false", "prank", "cancelled-by-resident"] { #expect(asked.stderr.contains(word), "\(asked.stderr)") }
        #expect(try fixture.store.event(id: smoke.id)?.status == .open)
        #expect(try fixture.run(["resolve", smoke.id, "--note", "x", "--cause", "bogus"]).status == 64)

        // A call button's cause for a smoke detector: refused by lookoutd, nothing changes.
        let errand = try fixture.run(["resolve", smoke.id, "--note", "x", "--cause", "errand"])
        #expect(errand.status != 0)
        #expect(errand.stderr.contains("call buttons"), "\(errand.stderr)")
        #expect(try fixture.store.event(id: smoke.id)?.status == .open)

        let resolved = try fixture.run(["resolve", smoke.id, "--note", "cooking steam", "--cause", "nuisance"])
        #expect(resolved.status == 0, "\(resolved.stderr)")
        #expect(try fixture.store.event(id: smoke.id)?.cause == .nuisance)
        let show = try fixture.run(["show", smoke.id])
        #expect(show.stdout.contains("Cause") && show.stdout.contains("nuisance"), "\(show.stdout)")
        #expect(show.stdout.contains("cause: nuisance; cooking steam"), "\(show.stdout)")
        let json = try Self.object(try fixture.run(["show", smoke.id, "--json"]))
        #expect(json["cause"] as? String == "nuisance")
        let listed = try fixture.run(["events", "--all", "--json"])
        #expect(listed.stdout.contains("\"cause\": \"nuisance\""), "\(listed.stdout)")

        #expect(try fixture.run(["resolve", sos.id, "--note", "resident pressed by mistake", "--cause", "cancelled-by-resident"]).status == 0)
        #expect(try fixture.store.event(id: sos.id)?.cause == .cancelledByResident)
        // A reopen forgets the cause: the event is not handled any more.
        #expect(try fixture.run(["reopen", sos.id]).status == 0)
        #expect(try fixture.store.event(id: sos.id)?.cause == nil)
    }

    /// On a terminal (a pseudo-terminal made by `script`), `resolve` without `--cause` asks with a numbered menu of
    /// the causes that fit the event's kind.
    @Test func aTerminalIsAskedWithANumberedMenu() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        let smoke = try fixture.raise("SD-0001", level: .red)
        let command = ([ChildProcess.product("lookout"), "resolve", smoke.id, "--note", "steam"])
            .map { "'" + $0 + "'" }.joined(separator: " ")
        let result = try ChildProcess.run("/usr/bin/script", ["-qec", command, "/dev/null"],
                                          environment: ["LOOKOUT_SOCKET": fixture.socketPath, "LC_ALL": "C.UTF-8", "NO_COLOR": "1",
                                                        "PATH": "/usr/bin:/bin"], input: "2\n")
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("1) real") && result.stdout.contains("2) nuisance"), "\(result.stdout)")
        #expect(!result.stdout.contains("errand"), "\(result.stdout)")
        #expect(try fixture.store.event(id: smoke.id)?.cause == .nuisance)
    }

    @Test func ratesAndBreakdownsOfAKnownPeriod() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        try Self.knownMonth(fixture)
        let object = try Self.object(try fixture.run(["stats", "--since", "1d", "--json"]))
        #expect(object["total"] as? Int == 10)
        let onsite = try #require(object["time_to_onsite"] as? [String: Any])
        #expect(onsite["median_s"] as? Double == 300)  // nearest rank 5 of 1…8, 20, 30 minutes
        #expect(onsite["p90_s"] as? Double == 1200)  // nearest rank 9: 20 minutes
        let circle = try #require(object["onsite_within_15_minutes"] as? [String: Any])
        #expect(circle["met"] as? Int == 8 && circle["total"] as? Int == 10)
        let causes = try #require(object["by_cause"] as? [String: Int])
        #expect(causes == ["real": 3, "nuisance": 3, "false": 1, "test": 0, "prank": 0, "errand": 1, "cancelled-by-resident": 1, "none": 1])
        let breakdowns = try #require(object["breakdowns"] as? [String: [[String: Any]]])
        #expect(Set(breakdowns.keys) == ["community", "grid", "building", "team", "kind", "rule"])
        func group(_ section: String, _ key: String) -> [String: Any]? { breakdowns[section]?.first { $0["key"] as? String == key } }
        let smoke = try #require(group("kind", "smoke"))
        #expect(smoke["events"] as? Int == 7 && smoke["classified"] as? Int == 6)
        #expect(smoke["nuisance_rate"] as? Double == 0.5)
        #expect(abs((smoke["false_rate"] as? Double ?? 0) - 1.0 / 6) < 1e-9)
        #expect(group("kind", "sos")?["nuisance_rate"] as? Double == 0)
        #expect(group("community", "c01")?["events"] as? Int == 6 && group("community", "c02")?["events"] as? Int == 4)
        #expect(group("grid", "g2")?["events"] as? Int == 4)
        #expect(group("team", "property")?["events"] as? Int == 10 && group("team", "medical")?["events"] as? Int == 3)
        #expect(group("rule", "sos_alarm")?["events"] as? Int == 3)
        let building = try #require(group("building", "1"))
        #expect(building["community"] as? String == "c01" && building["nuisance_rate"] as? Double == 0.5)
        let devices = try #require(object["nuisance_devices"] as? [[String: Any]])
        #expect(devices.map { $0["device"] as? String } == ["SD-1", "SD-2"])
        #expect(devices.first?["nuisance"] as? Int == 2 && devices.first?["false"] as? Int == 1 && devices.first?["classified"] as? Int == 4)

        // The same from the terminal view, with the report's sections.
        let text = try fixture.run(["stats", "--since", "1d", "--report"])
        #expect(text.status == 0, "\(text.stderr)")
        for heading in ["Nuisance and false alarms by kind", "Devices with the most nuisance", "By cause", "By grid", "By team",
                        "By rule", "15-minute circle"] {
            #expect(text.stdout.contains(heading), "\(heading): \(text.stdout)")
        }
        #expect(text.stdout.contains("8/10 80%"), "\(text.stdout)")
        // The plain view has the rates but not the report's breakdowns.
        let plain = try fixture.run(["stats", "--since", "1d"])
        #expect(plain.stdout.contains("SD-1") && !plain.stdout.contains("By grid"), "\(plain.stdout)")
        // One community's breakdowns.
        let c02 = try Self.object(try fixture.run(["stats", "--since", "1d", "--community", "c02", "--json"]))
        #expect((c02["by_cause"] as? [String: Int])?["errand"] == 1 && (c02["by_cause"] as? [String: Int])?["nuisance"] == 0)
    }

    /// The keys scripts read stay as they are.
    @Test func theJSONKeysAreStable() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        try Self.knownMonth(fixture)
        let keys: Set<String> = ["since", "until", "total", "by_level", "by_status", "overdue", "silenced", "time_to_acknowledge",
                                 "time_to_onsite", "acknowledged_in_time", "onsite_in_time", "communities", "report_in_by_team",
                                 "onsite_within_15_minutes", "by_cause", "nuisance_rate", "false_rate", "breakdowns",
                                 "nuisance_devices", "offline_longest"]
        // The month in the community's zone (lookoutd's `[site] time_zone`), in which `--month` is read.
        let local = try ZoneInfo.named("Asia/Shanghai").localTime(at: fixture.now)
        let month = String(format: "%04d-%02d", local.year, local.month)
        #expect(Set(try Self.object(try fixture.run(["stats", "--month", month, "--json"])).keys) == keys)
        let object = try Self.object(try fixture.run(["stats", "--since", "1d", "--json"]))
        #expect(Set(object.keys) == keys)
        let group = try #require((object["breakdowns"] as? [String: [[String: Any]]])?["kind"]?.first)
        #expect(Set(group.keys) == ["key", "events", "classified", "by_cause", "nuisance_rate", "false_rate"])
        let device = try #require((object["nuisance_devices"] as? [[String: Any]])?.first)
        #expect(Set(device.keys) == ["device", "kind", "community", "building", "classified", "nuisance", "false", "nuisance_rate", "false_rate"])
    }

    @Test func theCSVStartsWithABOMAndParses() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        try Self.knownMonth(fixture)
        let result = try fixture.run(["stats", "--since", "1d", "--csv"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Array(result.stdout.utf8.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let rows = try Self.parseCSV(String(result.stdout.dropFirst()))
        #expect(rows.first == ["section", "key", "community", "metric", "value"])
        #expect(rows.allSatisfy { $0.count == 5 }, "\(rows.filter { $0.count != 5 })")
        #expect(rows.contains(["kind", "smoke", "", "nuisance_rate", "0.5"]))
        #expect(rows.contains(["response", "onsite", "", "p90_s", "1200.0"]))
        #expect(rows.contains(["building", "5, \"east\"", "c02", "events", "4"]), "\(rows.filter { $0[0] == "building" })")
        #expect(rows.contains(["device", "SD-1", "c01", "false", "1"]))
        #expect(result.stdout.contains("\r\n"))
        #expect(try fixture.run(["stats", "--csv", "--json"]).status == 64)
    }

    /// RFC 4180: fields separated by commas, quoted fields may hold commas, doubled quotes and line ends; CRLF rows.
    static func parseCSV(_ text: String) throws -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var characters = Array(text)[...]
        while let c = characters.popFirst() {
            if quoted {
                if c == "\"" {
                    if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                row.append(field); field = ""
            } else if c == "\r\n" || c == "\n" {
                row.append(field); field = ""; rows.append(row); row = []
            } else {
                field.append(c)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}
