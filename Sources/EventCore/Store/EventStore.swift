import FoundationEssentials
import Glibc
import Vocabulary

/// The shared event core: one SQLite database (WAL) used by the daemon and by staff's CLI.
///
/// Not thread-safe: each thread or process opens its own `EventStore`. SQLite's locking keeps
/// concurrent writers (daemon and CLI) consistent; every change is one transaction.
public final class EventStore {
    /// The database file.
    public let path: String
    /// Tuning and deadline defaults.
    public let options: StoreOptions
    /// Whether the store was opened for reading only (the CLI's read commands).
    public let isReadOnly: Bool
    /// The one connection of this store.
    let connection: SQLiteConnection
    /// The write lock among this process's connections to the same file (nil when read-only).
    private let writerGate: WriterGate?
    /// Whether the running top-level transaction holds `writerGate`.
    private var holdsWriterGate = false
    /// Decodes event snapshots (written by `EventRecord.snapshotJSON`).
    let snapshotDecoder = JSONDecoder()
    /// `PRAGMA data_version` at the last `hasChanged()` call.
    var lastDataVersion: Int64?
    /// Open events by event key as this connection last wrote or read them, so that a repeated raise
    /// need not read the row again. Emptied when another connection commits (seen through
    /// `PRAGMA data_version` at the start of each transaction), on any rollback, and when it grows large.
    var activeEventCache: [String: StoredEvent] = [:]
    /// The timeline entry this connection appended last in the running write transaction (nil: none yet, or
    /// forgotten by a rollback): the next entry's predecessor without reading the table again.
    var timelineHeadInTransaction: (entryID: Int64, hash: String)?
    /// `PRAGMA data_version` when `activeEventCache` was last known to be current.
    var activeEventCacheVersion: Int64 = -1
    /// How many `transaction` calls are running (0: none; 1: the top level; more: savepoints).
    var transactionDepth = 0
    /// The error with which SQLite rolled back the whole running transaction, if it did (or, in a
    /// `batchTransaction`, with which a step failed).
    var wholeTransactionFailure: (any Error)?
    /// Whether `transaction` calls inside the running transaction run in savepoints (false inside a
    /// `batchTransaction`).
    var nestedStepsTakeSavepoints = true
    /// Roll-up changes tallied in memory, inside a `batchTransaction` (nil otherwise; see
    /// `EventStore+StatisticsDeferral.swift`).
    var statisticsDeltas: StatisticsDeltas?
    /// Which targets have a notifier (set by the daemon from its notifier configuration, again on SIGHUP): raises,
    /// re-notifications, upgrades to red and unsilenced events queue messages only for these. Empty: none.
    public var notificationPolicy = NotificationPolicy()

    /// Opens (creating and migrating if needed) the database at `path` for reading and writing.
    public convenience init(path: String) throws {
        try self.init(path: path, options: StoreOptions(), readOnly: false)
    }

    /// Opens the database at `path`; `readOnly` opens an existing database for reading only
    /// (no creation, no migration), for the CLI's read commands.
    public convenience init(path: String, readOnly: Bool) throws {
        try self.init(path: path, options: StoreOptions(), readOnly: readOnly)
    }

    /// Opens the database at `path` with `options`.
    public convenience init(path: String, options: StoreOptions, readOnly: Bool = false) throws {
        try self.init(path: path, options: options, readOnly: readOnly, migrator: SchemaMigrator(migrations: EventSchema.migrations, timelineKey: options.timelineKey))
    }

    /// Opens the database with an explicit migration list (tests use a longer one).
    init(path: String, options: StoreOptions, readOnly: Bool, migrator: SchemaMigrator) throws {
        self.path = path
        self.options = options
        self.isReadOnly = readOnly
        self.writerGate = readOnly ? nil : WriterGate.of(path: path)
        if readOnly {
            connection = try Self.openForReading(path: path, options: options)
            let version = try SchemaMigrator.storedVersion(connection)
            try migrator.refuseNewer(version)
            if version < migrator.latestVersion {
                throw EventStoreError.permissionDenied(
                    path: path, detail: "database schema version \(version) must be upgraded first; start lookoutd once")
            }
        } else {
            connection = try Self.openForWriting(path: path, options: options)
            try migrator.migrate(connection, path: path, fileMode: mode_t(options.newFileMode))
        }
    }

    /// Opens read-write, creating the file with mode 0640, in WAL mode.
    private static func openForWriting(path: String, options: StoreOptions) throws -> SQLiteConnection {
        try DatabaseFile.prepareForWriting(path, mode: mode_t(options.newFileMode))
        let connection = try mapOpenFailure(path: path) {
            let connection = try SQLiteConnection(path: path, mode: .readWrite, busyTimeoutMilliseconds: options.busyTimeoutMillis)
            try connection.execute("""
                PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;
                PRAGMA journal_size_limit = 67108864; PRAGMA wal_autocheckpoint = \(options.walAutoCheckpointPages);
                PRAGMA temp_store = MEMORY; PRAGMA cache_size = -\(options.cacheKibibytes);
                """)
            return connection
        }
        if connection.isReadOnly {
            throw EventStoreError.permissionDenied(path: path, detail: "the database is read-only for this user")
        }
        return connection
    }

    /// Opens read-only. In WAL mode a reader needs the -shm file; when it cannot use it (no write
    /// access and no -shm yet), falls back to an immutable read of the main file, which does not see
    /// changes still in the -wal file.
    private static func openForReading(path: String, options: StoreOptions) throws -> SQLiteConnection {
        try DatabaseFile.checkReadable(path)
        return try mapOpenFailure(path: path) {
            do {
                let connection = try SQLiteConnection(path: path, mode: .readOnly, busyTimeoutMilliseconds: options.busyTimeoutMillis)
                _ = try connection.integer("SELECT count(*) FROM sqlite_master")
                return connection
            } catch let error as SQLiteError where error.isReadOnly {
                let connection = try SQLiteConnection(path: path, mode: .immutable, busyTimeoutMilliseconds: options.busyTimeoutMillis)
                _ = try connection.integer("SELECT count(*) FROM sqlite_master")
                return connection
            }
        }
    }

    /// Turns SQLite's "cannot open" failures into `permissionDenied` with the path.
    private static func mapOpenFailure<T>(path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SQLiteError where error.isReadOnly {
            throw EventStoreError.permissionDenied(path: path, detail: error.message)
        } catch let error as SQLiteError where error.isNotADatabase {
            throw EventStoreError.permissionDenied(path: path, detail: "not a Lookout database (\(error.message))")
        }
    }

    /// Runs `body` in one write transaction, like `transaction(_:)`, in which the store's own steps (each raise,
    /// clear, … is a `transaction` call) take no savepoint: a step that fails fails the whole transaction, even
    /// if the caller catches its error. For the daemon's batches, which are all-or-nothing anyway (a failed batch
    /// is redelivered whole): two statements fewer per rule action. The statistics roll-up is tallied in memory
    /// and written once at the end (`EventStore+StatisticsDeferral.swift`).
    /// Inside an open transaction it is a plain `transaction(_:)` (a savepoint; the triggers count).
    public func batchTransaction<T>(_ body: () throws -> T) throws -> T {
        guard transactionDepth == 0 else { return try transaction(body) }
        nestedStepsTakeSavepoints = false
        defer {
            nestedStepsTakeSavepoints = true
            statisticsDeltas = nil
        }
        return try transaction {
            try deferStatistics()
            let result = try body()
            try writeDeferredStatistics()
            return result
        }
    }

    /// A step inside a `batchTransaction`: no savepoint; a failure fails the whole transaction.
    private func stepWithoutSavepoint<T>(_ body: () throws -> T) throws -> T {
        transactionDepth += 1
        defer { transactionDepth -= 1 }
        do {
            let result = try body()
            if let failure = wholeTransactionFailure { throw failure }
            return result
        } catch {
            activeEventCache.removeAll()
            timelineHeadInTransaction = nil
            if wholeTransactionFailure == nil { wholeTransactionFailure = error }
            throw error
        }
    }

    /// Runs `body` in one write transaction (BEGIN IMMEDIATE … COMMIT, rolled back on throw).
    /// Inside an open transaction it runs in a savepoint, so a failed step rolls back only itself.
    ///
    /// When SQLite itself rolls back the whole transaction (it may on SQLITE_FULL or SQLITE_IOERR),
    /// every later step of the same outer transaction throws that error, and so does the outer
    /// transaction even if the caller swallowed it: nothing is committed by halves.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        let nested = transactionDepth > 0
        if nested {
            if let failure = wholeTransactionFailure { throw failure }
            if !nestedStepsTakeSavepoints { return try stepWithoutSavepoint(body) }
            try connection.cached("SAVEPOINT lookout_step").execute()
        } else {
            holdsWriterGate = writerGate?.enter(first: options.writesFirst, timeoutMillis: options.busyTimeoutMillis) ?? false
            do {
                try beginTopLevelTransaction()
            } catch {
                releaseWriterGate()
                throw error
            }
        }
        transactionDepth += 1
        defer {
            transactionDepth -= 1
            if transactionDepth == 0 {
                wholeTransactionFailure = nil
                if !nested { releaseWriterGate() }
            }
        }
        do {
            let result = try body()
            if let failure = wholeTransactionFailure { throw failure }
            try connection.cached(nested ? "RELEASE lookout_step" : "COMMIT").execute()
            return result
        } catch {
            activeEventCache.removeAll()
            timelineHeadInTransaction = nil
            if connection.isAutocommit {
                // SQLite already rolled back everything.
                if nested, wholeTransactionFailure == nil { wholeTransactionFailure = error }
            } else if nested {
                try? connection.cached("ROLLBACK TO lookout_step").execute()
                try? connection.cached("RELEASE lookout_step").execute()
            } else {
                try? connection.cached("ROLLBACK").execute()
            }
            throw wholeTransactionFailure ?? error
        }
    }

    /// Lets the next writer of this process in, if this transaction held the gate.
    private func releaseWriterGate() {
        if holdsWriterGate { writerGate?.leave() }
        holdsWriterGate = false
    }

    /// BEGIN IMMEDIATE, then forgets cached events if another connection committed meanwhile.
    private func beginTopLevelTransaction() throws {
        timelineHeadInTransaction = nil
        try connection.cached("BEGIN IMMEDIATE").execute()
        do {
            let version = try connection.integer("PRAGMA data_version")
            if version != activeEventCacheVersion {
                activeEventCache.removeAll()
                activeEventCacheVersion = version
            }
        } catch {
            try? connection.cached("ROLLBACK").execute()
            throw error
        }
    }

    /// Whether another connection committed a change since the last call (true on the first call).
    /// Cheap: reads `PRAGMA data_version`, for `lookout watch` polling.
    public func hasChanged() throws -> Bool {
        let version = try connection.integer("PRAGMA data_version")
        defer { lastDataVersion = version }
        return lastDataVersion != version
    }

}
