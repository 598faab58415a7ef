import FoundationEssentials
import Glibc
import Vocabulary

/// Brings a database to the newest schema version, refusing databases from a newer Lookout.
struct SchemaMigrator {
    /// Migrations, oldest first (tests pass a longer list to exercise a future migration).
    let migrations: [EventSchema.Migration]
    /// The key that chains the timeline entries a migration chains (see `EventSchema.Migration.finish`).
    var timelineKey: [UInt8] = []

    /// The version after every migration has run.
    var latestVersion: Int { migrations.last?.version ?? 0 }

    /// The schema version stored in the database.
    static func storedVersion(_ connection: SQLiteConnection) throws -> Int {
        Int(try connection.integer("PRAGMA user_version"))
    }

    /// Throws `schemaTooNew` when the database was written by a newer Lookout.
    func refuseNewer(_ version: Int) throws {
        if version > latestVersion {
            throw EventStoreError.schemaTooNew(found: version, supported: latestVersion)
        }
    }

    /// Runs the pending migrations in one transaction, after copying an existing database aside.
    /// Returns the path of the backup copy, if one was made.
    @discardableResult
    func migrate(_ connection: SQLiteConnection, path: String, fileMode: mode_t = DatabaseFile.defaultMode) throws -> String? {
        let found = try Self.storedVersion(connection)
        try refuseNewer(found)
        guard found < latestVersion else { return nil }
        var backupPath: String?
        if found > 0 {
            backupPath = try backUp(connection, path: path, version: found, fileMode: fileMode)
        }
        try connection.execute("BEGIN IMMEDIATE")
        do {
            // Another process may have migrated while we waited for the lock.
            let current = try Self.storedVersion(connection)
            try refuseNewer(current)
            for migration in migrations where migration.version > current {
                try connection.execute(migration.sql)
                try migration.finish?(connection, timelineKey)
                try connection.execute("PRAGMA user_version = \(migration.version)")
            }
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
        return backupPath
    }

    /// Copies the database to `<path>.v<version>.bak` (a fresh name if that exists) with `VACUUM INTO`.
    private func backUp(_ connection: SQLiteConnection, path: String, version: Int, fileMode: mode_t) throws -> String {
        var backupPath = "\(path).v\(version).bak"
        var attempt = 1
        while FileManager.default.fileExists(atPath: backupPath) {
            attempt += 1
            backupPath = "\(path).v\(version).\(attempt).bak"
        }
        try connection.prepare("VACUUM INTO ?").execute([backupPath])
        DatabaseFile.restrictMode(of: backupPath, to: fileMode)
        return backupPath
    }
}
