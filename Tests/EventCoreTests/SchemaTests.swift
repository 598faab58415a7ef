import Foundation
import LookoutTestSupport
import Testing
@testable import EventCore

@Suite struct SchemaTests {
    /// The version a later Lookout would write.
    static let nextVersion = EventSchema.currentVersion + 1
    /// Today's migrations plus the next version as a later Lookout would add it.
    static let withNextVersion = EventSchema.migrations + [
        EventSchema.Migration(version: nextVersion, sql: """
            ALTER TABLE events ADD COLUMN handover_note TEXT NOT NULL DEFAULT '';
            CREATE TABLE shifts (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
            """),
    ]

    @Test func newDatabaseHasCurrentVersionWalAndMode0640() throws {
        let fixture = try StoreFixture()
        #expect(try SchemaMigrator.storedVersion(fixture.store.connection) == EventSchema.currentVersion)
        #expect(try fixture.store.connection.cached("PRAGMA journal_mode").queryFirst { $0.text(0) } == "wal")
        #expect(try fixture.store.connection.integer("PRAGMA foreign_keys") == 1)
        #expect(try fixture.store.connection.integer("PRAGMA synchronous") == 1)
        let attributes = try FileManager.default.attributesOfItem(atPath: fixture.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o640)
    }

    @Test func newFileModeIsConfigurable() throws {
        var options = StoreOptions()
        options.newFileMode = 0o660
        let fixture = try StoreFixture(options: options)
        let attributes = try FileManager.default.attributesOfItem(atPath: fixture.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o660)
    }

    @Test func currentDatabaseIsMigratedAfterABackup() throws {
        let fixture = try StoreFixture()
        let id = try fixture.store.raise(trigger()).event.id
        let migrated = try EventStore(path: fixture.path, options: StoreOptions(), readOnly: false,
                                      migrator: SchemaMigrator(migrations: Self.withNextVersion))
        #expect(try SchemaMigrator.storedVersion(migrated.connection) == Self.nextVersion)
        #expect(try migrated.event(id: id)?.count == 1)
        #expect(try migrated.connection.integer("SELECT count(*) FROM events WHERE handover_note = ''") == 1)
        // The copy taken before migrating is a complete database of the current version.
        let backupPath = fixture.path + ".v\(EventSchema.currentVersion).bak"
        let attributes = try FileManager.default.attributesOfItem(atPath: backupPath)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o640)
        let backup = try EventStore(path: backupPath)
        #expect(try SchemaMigrator.storedVersion(backup.connection) == EventSchema.currentVersion)
        #expect(try backup.event(id: id)?.status == .open)
        // Opening again does not migrate (nor back up) twice.
        _ = try EventStore(path: fixture.path, options: StoreOptions(), readOnly: false,
                           migrator: SchemaMigrator(migrations: Self.withNextVersion))
        #expect(!FileManager.default.fileExists(atPath: fixture.path + ".v\(EventSchema.currentVersion).2.bak"))
    }

    @Test func failedMigrationRollsBackCompletely() throws {
        let fixture = try StoreFixture()
        let id = try fixture.store.raise(trigger()).event.id
        let broken = EventSchema.migrations + [
            EventSchema.Migration(version: Self.nextVersion, sql: "CREATE TABLE shifts (id INTEGER); ALTER TABLE nowhere ADD COLUMN x;"),
        ]
        #expect(throws: SQLiteError.self) {
            _ = try EventStore(path: fixture.path, options: StoreOptions(), readOnly: false,
                               migrator: SchemaMigrator(migrations: broken))
        }
        let store = try fixture.reopen()
        #expect(try SchemaMigrator.storedVersion(store.connection) == EventSchema.currentVersion)
        #expect(try store.connection.integer("SELECT count(*) FROM sqlite_master WHERE name = 'shifts'") == 0)
        #expect(try store.event(id: id) != nil)
    }

    @Test func newerDatabaseIsRefused() throws {
        let fixture = try StoreFixture()
        _ = try EventStore(path: fixture.path, options: StoreOptions(), readOnly: false,
                           migrator: SchemaMigrator(migrations: Self.withNextVersion))
        let supported = EventSchema.currentVersion
        #expect(throws: EventStoreError.schemaTooNew(found: Self.nextVersion, supported: supported)) {
            _ = try EventStore(path: fixture.path)
        }
        #expect(throws: EventStoreError.schemaTooNew(found: Self.nextVersion, supported: supported)) {
            _ = try EventStore(path: fixture.path, readOnly: true)
        }
    }

    @Test func unusablePathsGivePermissionDenied() throws {
        let directory = try TemporaryDirectory()
        let missingDirectory = directory.file("no-such-dir/lookout.db")
        #expect {
            _ = try EventStore(path: missingDirectory)
        } throws: { error in
            guard case EventStoreError.permissionDenied(let path, let detail) = error else { return false }
            return path == missingDirectory && !detail.isEmpty
        }
        #expect {
            _ = try EventStore(path: directory.file("absent.db"), readOnly: true)
        } throws: { error in
            guard case EventStoreError.permissionDenied = error else { return false }
            return true
        }
        let notADatabase = directory.file("notes.txt")
        try Data(String(repeating: "not sqlite at all\n", count: 100).utf8).write(to: URL(fileURLWithPath: notADatabase))
        #expect {
            _ = try EventStore(path: notADatabase)
        } throws: { error in
            guard case EventStoreError.permissionDenied(_, let detail) = error else { return false }
            return detail.contains("not a Lookout database")
        }
    }

    @Test func readOnlyStoreReadsButRefusesWrites() throws {
        let fixture = try StoreFixture()
        let id = try fixture.store.raise(trigger()).event.id
        let reader = try fixture.reopen(readOnly: true)
        #expect(reader.isReadOnly)
        #expect(try reader.event(id: id)?.count == 1)
        #expect(try reader.timeline(of: id).count == 1)
        #expect {
            try reader.perform(.acknowledge, on: id, actor: "wang", note: "", at: t0)
        } throws: { error in
            guard let error = error as? SQLiteError else { return false }
            return error.isReadOnly && error.description.contains("read-only")
        }
        // The reader sees the writer's later commits.
        try fixture.store.perform(.acknowledge, on: id, actor: "wang", note: "", at: t0 + 1)
        #expect(try reader.event(id: id)?.status == .acknowledged)
    }

    @Test func fullDiskErrorRollsBackTheWholeTransaction() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        try store.raise(trigger("before"))
        let pages = try store.connection.integer("PRAGMA page_count")
        // Simulate a full disk: the file may not grow beyond a few more pages.
        _ = try store.connection.integer("PRAGMA max_page_count = \(pages + 4)")
        let bigPayload = String(repeating: "x", count: 64 * 1024)
        var caught: SQLiteError?
        do {
            try store.transaction {
                for index in 0..<50 {
                    var big = trigger("big-\(index)")
                    big.payload = bigPayload
                    try store.raise(big)
                }
            }
        } catch let error as SQLiteError {
            caught = error
        }
        let error = try #require(caught)
        #expect(error.isDiskFull)
        #expect(error.description.contains("full"))
        var all = EventFilter()
        all.includeAll = true
        #expect(try store.events(all).map(\.eventKey) == ["before"])
        #expect(try store.outboxCount() == 1)
        // The store still works afterwards.
        #expect(try store.raise(trigger("after")).created)
    }

    @Test func fullDiskInsideABatchThatSwallowsErrorsLeavesNoHalfChanges() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        try store.raise(trigger("before"))
        let pages = try store.connection.integer("PRAGMA page_count")
        _ = try store.connection.integer("PRAGMA max_page_count = \(pages + 4)")
        var failures = 0
        do {
            try store.transaction {
                for index in 0..<50 {
                    var big = trigger("big-\(index)")
                    big.payload = String(repeating: "x", count: 64 * 1024)
                    do { try store.raise(big) } catch { failures += 1 }
                }
            }
        } catch let error as SQLiteError {
            #expect(error.isDiskFull)
        }
        #expect(failures > 0)
        // Whatever was committed is whole: every event has its timeline entry, change and outbox row.
        var all = EventFilter()
        all.includeAll = true
        let events = try store.events(all)
        #expect(events.contains { $0.eventKey == "before" })
        #expect(try store.outboxCount() == events.count)
        #expect(try store.latestChangeSequence() == Int64(events.count))
        #expect(try store.connection.integer("SELECT count(*) FROM timeline") == Int64(events.count))
        #expect(try store.raise(trigger("after")).created)
    }
}
