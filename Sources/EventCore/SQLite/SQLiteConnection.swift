import CSQLite

/// One SQLite connection (`sqlite3*`), closed in `deinit`, with a cache of prepared statements.
///
/// Not thread-safe: use a connection from one thread at a time.
final class SQLiteConnection {
    /// The C handle.
    private let handle: OpaquePointer
    /// The file, for messages.
    let path: String
    /// Prepared statements by SQL text, kept for the life of the connection.
    private var statementCache: [StatementKey: SQLiteStatement] = [:]

    /// How to open the file.
    enum OpenMode: Sendable {
        /// Read and write, creating the file if missing.
        case readWriteCreate
        /// Read and write an existing file.
        case readWrite
        /// Read only.
        case readOnly
        /// Read only, promising SQLite that nobody changes the file meanwhile (no -wal/-shm used).
        case immutable
    }

    /// Library-wide settings, made once before the first connection: no memory statistics (a global mutex
    /// taken on every allocation; nothing here reads them).
    private static let configureLibrary: Void = { _ = lookout_sqlite3_disable_memory_statistics() }()

    /// Opens `path` in `mode`, with a busy timeout so that several processes can share the file.
    init(path: String, mode: OpenMode, busyTimeoutMilliseconds: Int32 = 5000) throws {
        Self.configureLibrary
        // URI filenames only for the immutable mode, so that a path that happens to start with
        // `file:` is still a path.
        var flags = SQLITE_OPEN_NOMUTEX
        var filename = path
        switch mode {
        case .readWriteCreate: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        case .readWrite: flags |= SQLITE_OPEN_READWRITE
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        case .immutable:
            flags |= SQLITE_OPEN_READONLY | SQLITE_OPEN_URI
            filename = "file:" + SQLiteConnection.uriEscaped(path) + "?immutable=1"
        }
        var connection: OpaquePointer?
        let result = sqlite3_open_v2(filename, &connection, flags, nil)
        guard let connection else {
            try SQLiteError.check(result == SQLITE_OK ? SQLITE_NOMEM : result, connection: nil, sql: nil)
            throw SQLiteError(code: SQLITE_NOMEM, extendedCode: SQLITE_NOMEM, message: "out of memory", sql: nil)
        }
        do {
            try SQLiteError.check(result, connection: connection, sql: nil)
            sqlite3_extended_result_codes(connection, 1)
            try SQLiteError.check(sqlite3_busy_timeout(connection, busyTimeoutMilliseconds), connection: connection)
        } catch {
            sqlite3_close_v2(connection)
            throw error
        }
        self.handle = connection
        self.path = path
    }

    deinit {
        statementCache.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Percent-escapes the characters that are special in a `file:` URI.
    private static func uriEscaped(_ path: String) -> String {
        var escaped = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "%"), UInt8(ascii: "?"), UInt8(ascii: "#"):
                escaped += "%" + String(byte, radix: 16, uppercase: true)
            default:
                escaped.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return escaped
    }

    /// Runs one or more SQL statements without arguments or results (schema, pragmas).
    func execute(_ sql: String) throws {
        try SQLiteError.check(sqlite3_exec(handle, sql, nil, nil, nil), connection: handle, sql: sql)
    }

    /// Prepares `sql` once; later calls return the same statement (for hot, fixed SQL only).
    func cached(_ sql: String) throws -> SQLiteStatement {
        let key = StatementKey(sql: sql)
        if let statement = statementCache[key] { return statement }
        let statement = try SQLiteStatement(connection: handle, sql: sql)
        statementCache[key] = statement
        return statement
    }

    /// Prepares `sql` for one use (SQL built at run time).
    func prepare(_ sql: String) throws -> SQLiteStatement {
        try SQLiteStatement(connection: handle, sql: sql)
    }

    /// The rowid of the last successful INSERT on this connection.
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    var changedRowCount: Int { Int(sqlite3_changes(handle)) }

    /// Whether no transaction is open on this connection.
    var isAutocommit: Bool { sqlite3_get_autocommit(handle) != 0 }

    /// Whether the connection was opened read-only (or the file is read-only).
    var isReadOnly: Bool { sqlite3_db_readonly(handle, "main") == 1 }

    /// Integer result of a single-value query such as `PRAGMA user_version`.
    func integer(_ sql: String, _ arguments: [any SQLiteBindable] = []) throws -> Int64 {
        try cached(sql).queryFirst(arguments) { $0.int64(0) } ?? 0
    }
}

/// A key of the statement cache: the SQL text, hashed on its length and last bytes only. Hot SQL is long
/// (an event insert names 36 columns) and looked up for every row written; equality still compares the
/// whole text (at once when it is the same literal or constant, as on the hot path).
private struct StatementKey: Hashable {
    /// Bytes at the end of the text that are hashed.
    private static let hashedSuffixLength = 32
    /// The SQL text.
    let sql: String

    func hash(into hasher: inout Hasher) {
        var text = sql
        text.withUTF8 { bytes in
            hasher.combine(bytes.count)
            hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes.suffix(Self.hashedSuffixLength))))
        }
    }
}
