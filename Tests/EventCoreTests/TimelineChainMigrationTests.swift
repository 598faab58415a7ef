import Foundation
import LookoutTestSupport
import Testing
@testable import EventCore

/// Schema version 14 chains the timeline entries already there, once, in order, with the migrating store's key; from
/// then on every entry is appended to the chain, and the same chain checked with another key does not verify.
@Suite struct TimelineChainMigrationTests {
    static let key: [UInt8] = Array("a key of at least sixteen bytes!".utf8)

    @Test func entriesOfVersion12AreChainedAtMigrationAndNewOnesFollow() throws {
        let directory = try TemporaryDirectory(prefix: "eventcore")
        let path = directory.file("lookout.db")
        let version12 = try EventStore(path: path, options: StoreOptions(), readOnly: false,
                                       migrator: SchemaMigrator(migrations: EventSchema.migrations.filter { $0.version <= 12 }))
        try version12.connection.execute("""
            PRAGMA foreign_keys = OFF;
            INSERT INTO timeline (event_id, at, actor, action, status, note) VALUES
                (1001, 1000, 'lookoutd', 'raised', 'open', ''), (1001, 2000, 'alice', 'acknowledged', 'acknowledged', 'on my way'),
                (1002, 3000, 'lookoutd', 'raised', 'open', '');
            """)
        var options = StoreOptions()
        options.timelineKey = Self.key
        let store = try EventStore(path: path, options: options)
        #expect(try SchemaMigrator.storedVersion(store.connection) == EventSchema.currentVersion)
        let migrated = try store.verifyTimeline()
        #expect(migrated.entries == 3 && migrated.keyed && migrated.isIntact)
        #expect(try store.timelineHead().map { "#\($0.entryID) \($0.hash)" } == "#3 \(migrated.head)")
        #expect(try store.connection.cached("SELECT prev_hash FROM timeline WHERE id = 1").queryFirst { $0.text(0) } == TimelineChain.genesis)

        let event = try store.raise(EventTrigger(
            rule: "smoke_alarm", eventKey: "smoke_alarm:SD-1", level: .red, kind: "smoke", deviceID: "SD-1",
            location: EventLocation(community: "c01", building: "3", unit: "2", address: "3-2-502", registered: true),
            title: "smoke", teams: ["fire"], topic: "c01/smoke/SD-1/event", payload: "{}", at: 5000)).event
        _ = try store.perform(.acknowledge, on: event.id, actor: "bob", note: "", at: 6000)
        #expect(try store.verifyTimeline().isIntact)
        #expect(try store.verifyTimeline().entries == 5)

        // The same file under another key (or none) breaks at the first entry.
        for other in [[], Array("another key of sixteen bytes....".utf8)] as [[UInt8]] {
            var otherOptions = StoreOptions()
            otherOptions.timelineKey = other
            let verification = try EventStore(path: path, options: otherOptions).verifyTimeline()
            #expect(verification.firstBreak?.entryID == 1)
            #expect(verification.keyed == !other.isEmpty)
        }
        // The triggers hold against this connection too.
        #expect(throws: SQLiteError.self) { try store.connection.execute("UPDATE timeline SET note = 'x' WHERE id = 2") }
    }
}
