import CSQLite

/// An error reported by SQLite: every SQLite result code is checked by `SQLiteError.check`.
public struct SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Primary result code (`SQLITE_BUSY`, `SQLITE_FULL`, …).
    public let code: Int32
    /// Extended result code (`SQLITE_READONLY_DBMOVED`, …).
    public let extendedCode: Int32
    /// SQLite's message for the failure.
    public let message: String
    /// The SQL that failed, if any.
    public let sql: String?

    /// Creates an error from its parts.
    public init(code: Int32, extendedCode: Int32, message: String, sql: String?) {
        self.code = code
        self.extendedCode = extendedCode
        self.message = message
        self.sql = sql
    }

    /// Whether the disk (or a quota) is full.
    public var isDiskFull: Bool { code == SQLITE_FULL }
    /// Whether the database (or its directory) cannot be written.
    public var isReadOnly: Bool { code == SQLITE_READONLY || code == SQLITE_PERM || code == SQLITE_CANTOPEN }
    /// Whether the file is not an SQLite database.
    public var isNotADatabase: Bool { code == SQLITE_NOTADB }
    /// Whether another connection held the lock longer than the busy timeout.
    public var isBusy: Bool { code == SQLITE_BUSY || code == SQLITE_LOCKED }

    /// One line for a terminal or a log, with a hint for the failures operators can fix.
    public var description: String {
        var text = "SQLite error \(code)/\(extendedCode): \(message)"
        if isDiskFull {
            text += " (the disk holding the event database is full; the change was rolled back)"
        } else if code == SQLITE_READONLY {
            text += " (the event database is read-only for this user; the change was rolled back)"
        } else if isBusy {
            text += " (another process held the database lock too long)"
        }
        if let sql { text += " [SQL: \(sql.prefix(200))]" }
        return text
    }

    /// The one place SQLite result codes are checked: returns `result` when it is a success code
    /// (`SQLITE_OK`, `SQLITE_ROW`, `SQLITE_DONE`), throws an `SQLiteError` otherwise.
    @discardableResult
    static func check(_ result: Int32, connection: OpaquePointer?, sql: String? = nil) throws -> Int32 {
        switch result {
        case SQLITE_OK, SQLITE_ROW, SQLITE_DONE:
            return result
        default:
            let message: String
            let extended: Int32
            if let connection, let cMessage = sqlite3_errmsg(connection) {
                message = String(cString: cMessage)
                extended = sqlite3_extended_errcode(connection)
            } else {
                message = String(cString: sqlite3_errstr(result))
                extended = result
            }
            throw SQLiteError(code: result & 0xff, extendedCode: extended, message: message, sql: sql)
        }
    }
}
