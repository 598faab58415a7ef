import LookoutTestSupport
@testable import EventCore
import Foundation
import Testing

/// The event core's per-message paths written for speed (binding without C-string copies, the statement
/// cache's short hash, teams encoded by hand, batch transactions without savepoints) keep their meaning.
@Suite struct HotPathTests {
    /// Texts that a C-string or a careless byte count would damage.
    static let awkwardTexts = [
        "", "a", "plain ascii", "Grüße aus Köln", "名前", "emoji 🚒🔥 and flags 🇩🇪", "nul\u{0}inside", "\u{0}",
        "ends with nul\u{0}", "tab\tline\nreturn\r\nquote\"backslash\\", String(repeating: "long é ", count: 500),
    ]

    /// A filter for every event in any status.
    static var everything: EventFilter {
        var filter = EventFilter()
        filter.includeAll = true
        return filter
    }

    /// The event keys of every event.
    static func allKeys(_ store: EventStore) throws -> [String] { try store.events(everything).map(\.eventKey) }

    @Test func boundTextRoundTripsExactly() throws {
        let directory = try TemporaryDirectory(prefix: "hotpath")
        let connection = try SQLiteConnection(path: directory.file("t.db"), mode: .readWriteCreate)
        try connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, value TEXT, other TEXT)")
        let insert = try connection.cached("INSERT INTO t (id, value, other) VALUES (?, ?, ?)")
        for (index, text) in Self.awkwardTexts.enumerated() {
            // Through the generic path and the array path alike.
            if index % 2 == 0 {
                try insert.execute(binding: Int64(index), text, Optional<String>.none)
            } else {
                try insert.execute([Int64(index), text, Optional<String>.none])
            }
        }
        let select = try connection.cached("SELECT value, length(CAST(value AS BLOB)), other IS NULL FROM t WHERE id = ?")
        for (index, text) in Self.awkwardTexts.enumerated() {
            let row = try #require(try select.firstRow(binding: Int64(index)) { row in
                (row.optionalText(0), row.int64(1), row.bool(2))
            })
            #expect(row.0 == text, "text \(index)")
            #expect(row.1 == Int64(text.utf8.count), "byte length of text \(index)")
            #expect(row.2, "a nil optional binds NULL")
        }
        // Empty text is text, not NULL.
        #expect(try connection.integer("SELECT count(*) FROM t WHERE value = ''") == 1)
    }

    @Test func bindingTooFewValuesIsAnError() throws {
        let directory = try TemporaryDirectory(prefix: "hotpath")
        let connection = try SQLiteConnection(path: directory.file("t.db"), mode: .readWriteCreate)
        try connection.execute("CREATE TABLE t (a, b)")
        #expect(throws: SQLiteError.self) {
            try connection.cached("INSERT INTO t (a, b) VALUES (?, ?)").execute(binding: Int64(1))
        }
    }

    @Test func statementsWithTheSameEndAndLengthStayApart() throws {
        let directory = try TemporaryDirectory(prefix: "hotpath")
        let connection = try SQLiteConnection(path: directory.file("t.db"), mode: .readWriteCreate)
        // Same length, same last 32 bytes: the same hash, different statements.
        let first = "SELECT 1 AS a, 'the same tail of thirty-two bytes...'"
        let second = "SELECT 2 AS a, 'the same tail of thirty-two bytes...'"
        #expect(first.utf8.count == second.utf8.count)
        #expect(try connection.integer(first) == 1)
        #expect(try connection.integer(second) == 2)
        #expect(try connection.cached(first) === connection.cached(String(first)))
        #expect(try connection.cached(first) !== connection.cached(second))
    }

    @Test func teamsAreEncodedAsFoundationDid() {
        let cases: [[String]] = [
            [], [""], ["grid-1"], ["grid-1", "", "fire"], ["line\nfeed", "crlf\r\nteam", "\n"], ["Grüße\n名前", "🚒"],
        ]
        for teams in cases {
            let foundation = teams.map { $0.replacingOccurrences(of: "\n", with: " ") }.filter { !$0.isEmpty }
                .joined(separator: "\n")
            #expect(StoredEvent.encodeTeams(teams) == foundation, "\(teams)")
        }
    }

    @Test func aFailedStepFailsTheWholeBatchEvenWhenCaught() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        try store.raise(trigger("kept", at: t0))
        struct StepFailure: Error {}
        #expect(throws: StepFailure.self) {
            try store.batchTransaction {
                try store.raise(trigger("lost-1", at: t0 + 1))
                // A step that fails after writing, its error swallowed by the caller.
                _ = try? store.transaction {
                    try store.raise(trigger("lost-2", at: t0 + 2))
                    throw StepFailure()
                }
                try store.raise(trigger("never", at: t0 + 3))
            }
        }
        // Nothing of the batch is committed, and the store works on.
        let reader = try fixture.reopen(readOnly: true)
        #expect(try Self.allKeys(reader) == ["kept"])
        try store.batchTransaction { try store.raise(trigger("after", at: t0 + 4)) }
        try store.raise(trigger("after-2", at: t0 + 5))
        #expect(Set(try Self.allKeys(reader)) == ["kept", "after", "after-2"])
    }

    @Test func clearAndDowngradeThroughTheCacheSeeOtherConnections() throws {
        let fixture = try StoreFixture()
        let daemon = fixture.store
        try daemon.raise(trigger("a", level: .red, at: t0))
        try daemon.raise(trigger("b", level: .red, at: t0))
        // Staff resolve "a" from another connection: the daemon's cached copy must not be used.
        let staff = try fixture.reopen()
        let a = try #require(try staff.events(Self.everything).first { $0.eventKey == "a" })
        try staff.perform(.resolve, on: a.id, actor: "staff", note: "false alarm", at: t0 + 1)
        #expect(try daemon.batchTransaction { try daemon.clear(eventKey: "a", at: t0 + 2, note: "") } == nil)
        let lowered = try daemon.batchTransaction { try daemon.downgrade(eventKey: "b", to: .yellow, at: t0 + 3, note: "") }
        #expect(lowered?.level == .yellow)
        let cleared = try daemon.batchTransaction { try daemon.clear(eventKey: "b", at: t0 + 4, note: "") }
        #expect(cleared?.level == .yellow)
        #expect(cleared?.status == .cleared)
    }
}
