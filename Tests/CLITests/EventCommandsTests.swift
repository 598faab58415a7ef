import EventCore
import Foundation
import LookoutTestSupport
import Testing

/// The built `lookout` against a real database: listing, details, actions, errors, sanitising.
@Suite struct EventCommandsTests {
    @Test func eventsTableListsRedFirstThenNewest() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        // Within their acknowledge deadlines (red 2 min, yellow 15 min): the running daemon would mark an older one
        // overdue, and overdue events come first within a level.
        let green = try fixture.raise("SD-0001", level: .green, minutesAgo: 14)
        let oldYellow = try fixture.raise("SD-0002", level: .yellow, minutesAgo: 12)
        let red = try fixture.raise("SD-0003", level: .red, minutesAgo: 1)
        let newYellow = try fixture.raise("SD-0004", level: .yellow, minutesAgo: 0)
        let result = try fixture.run(["events"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("ID") == true)
        #expect(lines.first?.contains("DEADLINE") == true)
        let order = lines.dropFirst().compactMap { $0.split(separator: " ").first.map(String.init) }
        #expect(order == [red.id, newYellow.id, oldYellow.id, green.id])
        #expect(lines[1].contains("RED"))
        #expect(lines[1].contains("3号楼2单元502"))
    }

    /// `events --since` filters on the time an event was last active: a new press merged into an event raised an
    /// hour ago is found by `--since -10m`, an event untouched since then is not.
    @Test func eventsSinceFindsAnOldEventThatANewPressMergedInto() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        let call = try fixture.raise("SOS-0001", level: .red, kind: "sos", minutesAgo: 60)
        let quiet = try fixture.raise("SD-0001", level: .green, minutesAgo: 60)
        let merged = try fixture.raise("SOS-0001", level: .red, kind: "sos", minutesAgo: 2)
        #expect(merged.id == call.id)
        #expect(merged.count == 2)
        let result = try fixture.run(["events", "--since", "-10m", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let array = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(array.compactMap { $0["id"] as? String } == [call.id])
        #expect(!array.contains { $0["id"] as? String == quiet.id })
    }

    @Test func eventsFiltersByLevelAndLimit() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        try fixture.raise("SD-0001", level: .green)
        let red = try fixture.raise("SD-0002", level: .red)
        try fixture.raise("SD-0003", level: .yellow)
        let onlyRed = try fixture.run(["events", "--level", "red", "--json"])
        let array = try #require(try JSONSerialization.jsonObject(with: Data(onlyRed.stdout.utf8)) as? [[String: Any]])
        #expect(array.map { $0["id"] as? String } == [red.id])
        let two = try fixture.run(["events", "--level", "green,yellow", "-n", "1", "--json"])
        #expect((try JSONSerialization.jsonObject(with: Data(two.stdout.utf8)) as? [Any])?.count == 1)
    }

    @Test func eventsFiltersOverdueSinceAndAll() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        let late = try fixture.raise("SOS-0001", level: .red, kind: "sos", minutesAgo: 30)
        let recent = try fixture.raise("SD-0001", level: .green, minutesAgo: 5)
        let done = try fixture.raise("SD-0002", level: .yellow, minutesAgo: 3)
        _ = try fixture.store.perform(.resolve, on: done.id, actor: "x", note: "fine", at: fixture.now)
        _ = try fixture.store.escalateDue(now: fixture.now)
        func ids(_ arguments: [String]) throws -> [String] {
            let result = try fixture.run(arguments + ["--json"])
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            let array = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
            return (array ?? []).compactMap { $0["id"] as? String }
        }
        #expect(try ids(["events", "--overdue"]) == [late.id])
        #expect(try ids(["events", "--since", "10m"]) == [recent.id])
        #expect(try Set(ids(["events", "--all"])) == [late.id, recent.id, done.id])
        #expect(try ids(["events", "--status", "resolved"]) == [done.id])
        let table = try fixture.run(["events", "--overdue"])
        #expect(table.stdout.contains("OVERDUE"))
    }

    @Test func eventsJSONHasStableFields() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        let event = try fixture.raise("SOS-0001", level: .red, kind: "sos", teams: ["fire"])
        let result = try fixture.run(["events", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let array = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        let object = try #require(array.first)
        #expect(object["id"] as? String == event.id)
        #expect(object["level"] as? String == "red")
        #expect(object["status"] as? String == "open")
        #expect(object["kind"] as? String == "sos")
        #expect(object["device"] as? String == "SOS-0001")
        #expect(object["address"] as? String == "3号楼2单元502")
        #expect(object["teams"] as? [String] == ["fire"])
        #expect(object["count"] as? Int == 1)
        #expect(object["overdue"] as? Bool == false)
        #expect((object["first_seen"] as? String)?.hasSuffix("Z") == true)
        #expect(object.keys.contains("ack_deadline"))
    }

    @Test func ackAndResolveChangeStatusAndRecordTheActor() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        let event = try fixture.raise("SD-0113", level: .red)
        let ack = try fixture.run(["--as", "alice", "ack", event.id])
        #expect(ack.status == 0, "\(ack.stderr)")
        #expect(ack.stdout.contains("acknowledged"))
        #expect(ack.stdout.split(separator: "\n").count == 1)
        let resolve = try fixture.run(["resolve", event.id, "--note", "cooking smoke", "--cause", "nuisance", "--as", "bob"])
        #expect(resolve.status == 0, "\(resolve.stderr)")
        #expect(resolve.stdout.contains("resolved"))
        #expect(try fixture.store.event(id: event.id)?.status == .resolved)
        let timeline = try fixture.store.timeline(of: event.id)
        // The daemon records the user the kernel names; `--as` only says on whose behalf.
        let runner = LookoutdProcess.runnerLogin
        #expect(timeline.contains { $0.actor == runner && $0.action == "acknowledged" && $0.note == "on behalf of alice" })
        #expect(timeline.contains { $0.actor == runner && $0.action == "resolved" && $0.note == "cause: nuisance; on behalf of bob: cooking smoke" })
    }

    @Test func dispatchNoteAndShow() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        let event = try fixture.raise("MH-0001", level: .yellow, kind: "manhole")
        #expect(try fixture.run(["dispatch", event.id, "--to", "water-team", "--as", "carol"]).status == 0)
        #expect(try fixture.run(["note", event.id, "crew", "on", "the", "way", "--as", "carol"]).status == 0)
        let show = try fixture.run(["show", event.id])
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.contains("water-team"))
        #expect(show.stdout.contains("crew on the way"))
        #expect(show.stdout.contains("Timeline"))
        #expect(show.stdout.contains("3号楼2单元502"))
        let json = try fixture.run(["show", event.id, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["timeline"] as? [Any])?.count ?? 0 >= 3)
    }

    @Test func showPrintsAnEmergencyPhoneOnceWhenTheContactAlreadyNamesIt() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        var trigger = EventTrigger(
            rule: "sos_press", eventKey: "sos_press:SOS-0001", level: .red, kind: "sos", deviceID: "SOS-0001",
            location: EventLocation(community: "c01", building: "1", unit: "1", address: "1号楼1单元 101室",
                                    residentName: "周淑珍", residentPhone: "13619438639",
                                    emergencyContact: "陈凤英 13824869546", registered: true),
            title: "Emergency call", teams: [], topic: "c01/sos/SOS-0001/event", payload: #"{"event":"press"}"#,
            at: fixture.now - 60_000)
        trigger.emergencyPhone = "13824869546"
        let event = try fixture.store.raise(trigger).event
        let show = try fixture.run(["show", event.id])
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.components(separatedBy: "13824869546").count == 2, "\(show.stdout)")
        #expect(show.stdout.contains("陈凤英"))
        // A phone the contact does not name is still printed.
        trigger.eventKey = "sos_press:SOS-0002"
        trigger.deviceID = "SOS-0002"
        trigger.emergencyPhone = "13900000000"
        let other = try fixture.store.raise(trigger).event
        let second = try fixture.run(["show", other.id])
        #expect(second.stdout.contains("13900000000"), "\(second.stdout)")
    }

    @Test func unknownIdFailsWithOneLine() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        for arguments in [["ack", "E-999999"], ["show", "E-999999"]] {
            let result = try fixture.run(arguments)
            #expect(result.status == 1)
            #expect(result.stderr.hasPrefix("lookout: error: "))
            #expect(result.stderr.split(separator: "\n").count == 1)
            #expect(result.stdout.isEmpty)
        }
    }

    @Test func refusedTransitionFails() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        let event = try fixture.raise("SD-0001", level: .yellow)
        let result = try fixture.run(["close", event.id])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("lookout: error: "))
        #expect(result.stderr.contains(event.id))
        #expect(try fixture.store.event(id: event.id)?.status == .open)
    }

    /// Unknown or incomplete global options, or options without a command: one line that names the problem (issue 18).
    @Test func badGlobalOptionsSayWhatIsWrongInOneLine() throws {
        let fixture = try CLIFixture()
        for (arguments, what) in [(["--bogus"], "unknown option '--bogus'"), (["--socket"], "--socket needs a value"),
                                  (["--no-color"], "no command after the options"), (["--as", "x", "--frob", "ack"], "unknown option '--frob'")] {
            let result = try fixture.run(arguments)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(arguments): \(result.stdout)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(what) && result.stderr.contains("help"), "\(arguments): \(result.stderr)")
        }
        // Without anything, the overview (on stderr, exit 64) stays: it is the way in.
        let bare = try fixture.run([])
        #expect(bare.status == 64 && bare.stderr.contains("Usage: lookout"))
    }

    @Test func badUsageExits64() throws {
        let fixture = try CLIFixture()
        let event = try fixture.raise("SD-0001", level: .yellow)
        for arguments in [["events", "--bogus"], ["resolve", event.id], ["ack"], ["frobnicate"],
                          ["events", "--level", "purple"], ["events", "--since", "someday"], ["dispatch", event.id]] {
            let result = try fixture.run(arguments)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("lookout: error: "), "\(arguments)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
        }
        #expect(try fixture.store.event(id: event.id)?.status == .open)
    }

    @Test func pipedOutputHasNoEscapeCodesUnlessForced() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        try fixture.raise("SD-0001", level: .red)
        let piped = try fixture.run(["events"])
        #expect(!piped.stdout.contains("\u{1B}"))
        let noColor = try fixture.run(["events"], environment: ["NO_COLOR": "1", "CLICOLOR_FORCE": "1"])
        #expect(!noColor.stdout.contains("\u{1B}"))
        let flag = try fixture.run(["events", "--no-color"], environment: ["CLICOLOR_FORCE": "1"])
        #expect(!flag.stdout.contains("\u{1B}"))
        // The check above must be able to fail: forced colour does produce escapes.
        let forced = try fixture.run(["events"], environment: ["CLICOLOR_FORCE": "1"])
        #expect(forced.stdout.contains("\u{1B}["))
    }

    @Test func hostileDeviceTextIsSanitised() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        let title = "Fire\u{1B}[31m\u{1B}]0;owned\u{07}\r\u{9B}2J\u{202E}!"
        let event = try fixture.raise("SD-\u{1B}[2J", level: .red, title: title, address: "Bldg\u{1B}[8m hidden")
        for arguments in [["events"], ["show", event.id], ["note", event.id, "checked"]] {
            for environment in [[String: String](), ["CLICOLOR_FORCE": "1"]] {
                let result = try fixture.run(arguments, environment: environment)
                #expect(result.status == 0, "\(arguments): \(result.stderr)")
                // Only our own colour codes (ESC [ digits ; m) may appear; nothing from the device.
                let withoutOurColours = result.stdout.replacingOccurrences(
                    of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
                #expect(!withoutOurColours.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || (0x7F..<0xA0).contains($0.value) || $0 == "\u{202E}" },
                        "\(arguments)")
                #expect(result.stdout.contains("\\x1b"), "\(arguments)")
            }
        }
        let json = try fixture.run(["events", "--json"])
        #expect(!json.stdout.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n" && $0 != " ") || (0x7F..<0xA0).contains($0.value) })
        let array = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(array.first?["title"] as? String == title)
    }

    @Test func reportRaisesAManualEvent() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        let result = try fixture.run(["report", "--kind", "smoke", "--level", "red", "--where", "5号楼 1单元",
                                      "--title", "resident phoned: smoke in stairwell", "--as", "dave"])
        #expect(result.status == 0, "\(result.stderr)")
        let events = try fixture.store.events(EventFilter())
        #expect(events.count == 1)
        #expect(events.first?.title == "resident phoned: smoke in stairwell")
        #expect(events.first?.location.address == "5号楼 1单元")
        #expect(events.first?.level == .red)
        let missingWhere = try fixture.run(["report", "--kind", "smoke", "--level", "red", "--title", "x"])
        #expect(missingWhere.status == 64)
    }

    @Test func reportForADeviceTakesItsPlaceFromTheRegistryMirror() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        try fixture.store.mirrorRegistry([DeviceState(id: "DR-0003", kind: "door", community: "c01", building: "2",
                                                      unit: "3", address: "2号楼3单元 604室", residentName: "王芳")], at: fixture.now)
        let result = try fixture.run(["report", "--kind", "door", "--level", "green", "--device", "DR-0003",
                                      "--title", "door closer broken", "--as", "gina"])
        #expect(result.status == 0, "\(result.stderr)")
        let event = try #require(try fixture.store.events(EventFilter()).first)
        #expect(event.location.address == "2号楼3单元 604室")
        #expect(event.location.residentName == "王芳")
        #expect(event.description.contains("DR-0003"))
        #expect(event.deviceID == "DR-0003")
        #expect(event.rule == "manual")
        #expect(try fixture.store.timeline(of: event.id).first?.actor == LookoutdProcess.runnerLogin)
        #expect(event.description.contains("on behalf of gina"), "\(event.description)")
    }

    @Test func withoutLookoutdEveryReadSaysItIsNotRunning() throws {
        let fixture = try CLIFixture()
        try fixture.raise("SD-0001", level: .red)
        for arguments in [["stats"], ["devices"], ["rejects"], ["silence", "list"], ["away", "list"], ["events"]] {
            let result = try fixture.run(arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr.contains("lookoutd is not running"), "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(arguments): nothing read from the file")
        }
        // The CLI has no way to name a database any more.
        #expect(try fixture.run(["stats", "--db", fixture.databasePath]).status == 64)
    }

    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
                   "needs root to run the CLI as another user"))
    func staffReadAndActThroughTheDaemonOnADatabaseTheyCannotOpen() throws {
        let fixture = try CLIFixture()
        // The packaged mode: the database is lookoutd's alone (0600 here, owner root); the staff user has no access
        // to the file at all, and needs none.
        try fixture.startDaemon(staff: LookoutdProcess.runnerIsAdmin + "[user nobody]\nrole = staff\nteams = fire\n")
        let event = try fixture.raise("SD-0001", level: .red, teams: ["fire"])
        for file in [fixture.databasePath, fixture.databasePath + "-wal", fixture.databasePath + "-shm"]
        where FileManager.default.fileExists(atPath: file) {
            chown(file, 0, 0)
            chmod(file, 0o600)
        }
        chmod(fixture.directory.path, 0o755)
        chmod(fixture.daemon!.directory.path, 0o755)
        #expect(try ChildProcess.run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "/bin/cat",
                                                          fixture.databasePath]).status != 0, "nobody cannot read the file")
        for listing in [["events"], ["show", event.id], ["stats"], ["devices"], ["rejects"], ["silence", "list"],
                        ["away", "list"], ["status", "--json"]] {
            let read = try fixture.run(listing, asUser: 65534)
            #expect(read.status == 0 || listing.first == "status", "\(listing): \(read.stderr)")
            #expect(!read.stderr.contains("database"), "\(listing): \(read.stderr)")
            #expect(!read.stdout.isEmpty, "\(listing)")
        }
        // status: lookoutd answered (no broker, so it is not connected, but it is running).
        let status = try fixture.run(["status", "--json"], asUser: 65534)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(object["running"] as? Bool == true, "\(status.stdout)")
        // Each read is on the record, as nobody.
        let reads = try fixture.store.auditEntries().filter { $0.user == "nobody" }.map(\.operation)
        for operation in ["events", "show", "stats", "devices", "rejects", "silence_list", "away_list", "status"] {
            #expect(reads.contains(operation), "\(operation) audited: \(reads)")
        }
        let ack = try fixture.run(["ack", event.id], asUser: 65534)
        #expect(ack.status == 0, "\(ack.stderr)")
        #expect(ack.stdout.contains("by nobody"), "\(ack.stdout)")
        #expect(try fixture.store.timeline(of: event.id).contains { $0.actor == "nobody" && $0.action == "acknowledged" })
    }
}
