import EventCore
import Foundation
import LookoutTestSupport
import Testing
import Vocabulary

/// A record no one can quietly change (issue 16): the real lookoutd, keyed with a key file, writes the timeline;
/// the real `sqlite3` shell tries to change it; `lookout audit verify` (through the daemon, which holds the key)
/// names the first entry that is not as lookoutd wrote it.
@Suite struct TimelineChainTests {
    static let runner = LookoutdProcess.runnerLogin
    static let sqlite3 = "/usr/bin/sqlite3"

    static func runnerEntry(role: String, teams: String = "fire") -> String {
        "[user \(runner)]\nname = Test Runner\nrole = \(role)\nteams = \(teams)\nphone = 13800000000\n"
    }

    /// A database with a few timeline entries written by a lookoutd keyed with `key`, the runner having `role`.
    static func keyedDaemon(role: String = "supervisor", key: [UInt8] = Array(1...32)) throws -> CLIFixture {
        let fixture = try CLIFixture()
        let keyPath = fixture.directory.file("timeline.key")
        #expect(FileManager.default.createFile(atPath: keyPath, contents: Data(key), attributes: [.posixPermissions: 0o600]))
        let daemon = try fixture.startDaemon(staff: runnerEntry(role: role),
                                             settings: ["storage": ["timeline_key_file": keyPath]])
        #expect(daemon.log.contains("timeline chain keyed with \(keyPath)"), "\(daemon.log)")
        for (title, place) in [("resident reports smoke", "3号楼2单元502"), ("door forced", "5号楼1单元101")] {
            let report = try fixture.run(["report", "--kind", "smoke", "--level", "red", "--where", place, "--title", title])
            #expect(report.status == 0, "\(report.stderr)")
        }
        let events = try fixture.store.events(EventFilter())
        #expect(events.count == 2)
        for event in events {
            let note = try fixture.run(["note", event.id, "called the resident of \(event.location.address)"])
            #expect(note.status == 0, "\(note.stderr)")
        }
        return fixture
    }

    /// Runs `sql` in the sqlite3 shell on the fixture's database.
    static func shell(_ fixture: CLIFixture, _ sql: String, json: Bool = false) throws -> ChildProcess.Result {
        try ChildProcess.run(sqlite3, (json ? ["-json"] : []) + [fixture.databasePath, sql])
    }

    /// The timeline's rows as the sqlite3 shell reads them.
    static func rows(_ fixture: CLIFixture) throws -> [TimelineChain.Fields] {
        let result = try shell(fixture, "SELECT id, event_id, at, actor, action, status, note FROM timeline ORDER BY id", json: true)
        #expect(result.status == 0, "\(result.stderr)")
        let objects = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
        return objects.map { row in
            TimelineChain.Fields(id: (row["id"] as? NSNumber)?.int64Value ?? 0, eventRowID: (row["event_id"] as? NSNumber)?.int64Value ?? 0,
                                 at: (row["at"] as? NSNumber)?.int64Value ?? 0, actor: row["actor"] as? String ?? "",
                                 action: row["action"] as? String ?? "", status: row["status"] as? String ?? "",
                                 note: row["note"] as? String ?? "")
        }
    }

    /// SQL text literal.
    static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    /// What someone with the file but not the key does: drop the triggers, change entry `target`'s note, recompute
    /// the chain from there on with `key`, and (if `restoreTriggers`) put the triggers back.
    static func forge(_ fixture: CLIFixture, target: Int64, note: String, key: [UInt8], restoreTriggers: Bool) throws {
        let rows = try rows(fixture)
        var previous = try shell(fixture, "SELECT hash FROM timeline WHERE id = \(target - 1)").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if target == 1 { previous = TimelineChain.genesis }
        var sql = "BEGIN; DROP TRIGGER timeline_no_update; DROP TRIGGER timeline_no_delete;\n"
        for var row in rows where row.id >= target {
            if row.id == target { row.note = note }
            let hash = TimelineChain.hash(key: key, previous: previous, row)
            sql += "UPDATE timeline SET note = \(quoted(row.note)), prev_hash = \(quoted(previous)), hash = \(quoted(hash)) WHERE id = \(row.id);\n"
            previous = hash
        }
        if restoreTriggers {
            sql += """
                CREATE TRIGGER timeline_no_update BEFORE UPDATE ON timeline
                    BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END;
                CREATE TRIGGER timeline_no_delete BEFORE DELETE ON timeline
                    BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END;

                """
        }
        let result = try shell(fixture, sql + "COMMIT;")
        #expect(result.status == 0 && result.stderr.isEmpty, "\(result.stderr)")
    }

    @Test func theDatabaseRefusesToChangeOrRemoveTimelineEntriesAndAnIntactFileVerifies() throws {
        let fixture = try Self.keyedDaemon()
        let before = try Self.rows(fixture)
        #expect(before.count == 4)
        for sql in ["UPDATE timeline SET note = 'nothing happened' WHERE id = 3", "DELETE FROM timeline WHERE id = 4",
                    "DELETE FROM timeline"] {
            let result = try Self.shell(fixture, sql)
            #expect(result.status != 0, "\(sql)")
            #expect(result.stderr.contains("the timeline is append-only"), "\(sql): \(result.stderr)")
        }
        for sql in ["UPDATE api_audit SET outcome = 'ok'", "DELETE FROM api_audit"] {
            let result = try Self.shell(fixture, sql)
            #expect(result.status != 0 && result.stderr.contains("the audit is append-only"), "\(sql): \(result.stderr)")
        }
        #expect(try Self.rows(fixture) == before)
        let verify = try fixture.run(["audit", "verify"])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout == "4 entries, chain intact\n", "\(verify.stdout)")
        let json = try fixture.run(["audit", "verify", "--json"])
        #expect(json.status == 0 && json.stdout.contains("\"keyed\": true") && json.stdout.contains("\"first_break\": null"),
                "\(json.stdout)")
        // The head goes to the journal (here: stderr) at stop, an anchor outside the file.
        let daemon = try #require(fixture.daemon)
        #expect(daemon.stop() == 0)
        let head = try Self.shell(fixture, "SELECT hash FROM timeline WHERE id = 4").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(head.count == 64)
        #expect(daemon.log.contains("timeline head at stop: entry #4 \(head)"), "\(daemon.log)")
        #expect(json.stdout.contains("\"head\": \"\(head)\""), "\(json.stdout)")
    }

    @Test func aChainRecomputedWithoutTheKeyIsCaughtAtTheChangedEntry() throws {
        let fixture = try Self.keyedDaemon()
        // The third entry: the note on the first event. Rewritten, the chain recomputed from it with an empty key
        // and the triggers put back, so that only the key tells.
        let target = try #require(try Self.rows(fixture).first { $0.action == "note" })
        try Self.forge(fixture, target: target.id, note: "resident was not home", key: [], restoreTriggers: true)
        #expect(try Self.rows(fixture).first { $0.id == target.id }?.note == "resident was not home")
        let verify = try fixture.run(["audit", "verify"])
        #expect(verify.status == 1, "\(verify.stdout)\(verify.stderr)")
        let eventID = "E-\(target.eventRowID)"
        #expect(verify.stdout.hasPrefix("chain broken at entry #\(target.id) (\(eventID), "), "\(verify.stdout)")
        #expect(verify.stdout.contains("note: resident was not home): its hash does not match its fields"), "\(verify.stdout)")
        #expect(verify.stdout.contains("entries before it (\(target.id - 1)) verify"), "\(verify.stdout)")
        #expect(!verify.stdout.contains("triggers missing"), "\(verify.stdout)")
    }

    @Test func aWrongKeyAndDroppedTriggersAreBothReported() throws {
        let fixture = try Self.keyedDaemon()
        try Self.forge(fixture, target: 2, note: "false alarm", key: Array(repeating: 7, count: 32), restoreTriggers: false)
        let verify = try fixture.run(["audit", "verify"])
        #expect(verify.status == 1)
        #expect(verify.stdout.hasPrefix("chain broken at entry #2 "), "\(verify.stdout)")
        #expect(verify.stdout.contains("append-only triggers missing: timeline_no_update, timeline_no_delete"), "\(verify.stdout)")
        // With the triggers gone, a removed entry is caught at the one after it.
        let fresh = try Self.keyedDaemon()
        let dropped = try Self.shell(fresh, "DROP TRIGGER timeline_no_delete; DELETE FROM timeline WHERE id = 2;")
        #expect(dropped.status == 0, "\(dropped.stderr)")
        let afterDelete = try fresh.run(["audit", "verify"])
        #expect(afterDelete.status == 1)
        #expect(afterDelete.stdout.hasPrefix("chain broken at entry #3 ") && afterDelete.stdout.contains("entry before it (#1)"),
                "\(afterDelete.stdout)")
    }

    @Test func auditListsARefusedRequestAndStaffMayNotReadIt() throws {
        let fixture = try Self.keyedDaemon(role: "supervisor")
        // Beyond a supervisor: a community-wide silence needs admin.
        let silence = try fixture.run(["silence", "add", "--community", "c01", "--for", "1h", "--reason", "works", "--force"])
        #expect(silence.status == 1 && silence.stderr.contains("needs role admin"), "\(silence.stderr)")
        let audit = try fixture.run(["audit", "--json", "-n", "3"])
        #expect(audit.status == 0, "\(audit.stderr)")
        let rows = try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(rows.count == 3)
        let refused = try #require(rows.first { $0["operation"] as? String == "silence_add" })
        #expect(refused["outcome"] as? String == "refused" && refused["user"] as? String == Self.runner)
        #expect(refused["origin"] as? String == "local uid \(getuid())")
        #expect((refused["detail"] as? String)?.contains("needs role admin") == true)
        let table = try fixture.run(["audit", "--user", Self.runner, "--since", "1h"])
        #expect(table.status == 0 && table.stdout.contains("silence_add") && table.stdout.contains("refused"), "\(table.stdout)")
        #expect(try fixture.run(["audit", "--user", "nobody-else"]).stdout.split(separator: "\n").count == 1)

        let staff = try CLIFixture()
        try staff.startDaemon(staff: Self.runnerEntry(role: "staff"))
        for arguments in [["audit", "verify"], ["audit"]] {
            let result = try staff.run(arguments)
            #expect(result.status == 1 && result.stdout.isEmpty, "\(arguments)")
            #expect(result.stderr.contains("(staff, teams fire) may not") && result.stderr.contains("needs role supervisor"),
                    "\(arguments): \(result.stderr)")
        }
        #expect(try staff.store.auditEntries().map { "\($0.operation) \($0.outcome.rawValue)" }
                == ["audit_verify refused", "audit refused"])
    }

    @Test func withoutAKeyTheDaemonWarnsAndVerifySaysTheChainIsUnkeyed() throws {
        let fixture = try CLIFixture()
        let daemon = try fixture.startDaemon(staff: Self.runnerEntry(role: "admin"))
        #expect(daemon.log.contains("no timeline key"), "\(daemon.log)")
        let report = try fixture.run(["report", "--kind", "smoke", "--level", "red", "--where", "gate", "--title", "smoke"])
        #expect(report.status == 0, "\(report.stderr)")
        let verify = try fixture.run(["audit", "verify"])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.hasPrefix("1 entry, chain intact\nwarning: the chain is unkeyed"), "\(verify.stdout)")
    }
}
