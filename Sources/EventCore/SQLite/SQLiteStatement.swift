import CSQLite

/// One prepared statement (`sqlite3_stmt*`), finalized in `deinit`.
///
/// Belongs to the `SQLiteConnection` that prepared it and is used on that connection's thread only.
final class SQLiteStatement {
    /// The C handle.
    private let handle: OpaquePointer
    /// The connection's handle, for error messages.
    private let connectionHandle: OpaquePointer
    /// The SQL text, for error messages.
    let sql: String

    /// Prepares `sql` on `connection`.
    init(connection: OpaquePointer, sql: String) throws {
        var statement: OpaquePointer?
        let result = sqlite3_prepare_v3(connection, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        try SQLiteError.check(result, connection: connection, sql: sql)
        guard let statement else {
            throw SQLiteError(code: SQLITE_MISUSE, extendedCode: SQLITE_MISUSE, message: "empty statement", sql: sql)
        }
        self.handle = statement
        self.connectionHandle = connection
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    /// Resets the statement and binds `arguments` to its parameters, in order.
    func bind(_ arguments: [any SQLiteBindable]) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, argument) in arguments.enumerated() {
            try bind(argument.sqliteValue, at: Int32(offset + 1))
        }
    }

    /// Binds one value; the only place values go into SQLite.
    private func bind(_ value: SQLiteValue, at index: Int32) throws {
        let result: Int32
        switch value {
        case .null:
            result = sqlite3_bind_null(handle, index)
        case .integer(let number):
            result = sqlite3_bind_int64(handle, index, number)
        case .real(let number):
            result = sqlite3_bind_double(handle, index, number)
        case .text(var text):
            // The String's own UTF-8 bytes (passing the String itself would make a C copy of it first).
            result = text.withUTF8 { utf8 in
                guard let base = utf8.baseAddress, !utf8.isEmpty else {
                    return sqlite3_bind_text(handle, index, "", 0, SQLiteStatement.transient)
                }
                return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                    sqlite3_bind_text(handle, index, $0, Int32(utf8.count), SQLiteStatement.transient)
                }
            }
        case .blob(let bytes):
            result = bytes.withUnsafeBytes { buffer in
                sqlite3_bind_blob(handle, index, buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1),
                                  Int32(buffer.count), SQLiteStatement.transient)
            }
        }
        try SQLiteError.check(result, connection: connectionHandle, sql: sql)
    }

    /// `SQLITE_TRANSIENT`: SQLite copies the bound bytes (the C macro is not importable).
    private static var transient: sqlite3_destructor_type {
        unsafeBitCast(Int(-1), to: sqlite3_destructor_type.self)
    }

    /// Steps once: true when a row is available.
    func step() throws -> Bool {
        let result = sqlite3_step(handle)
        if result == SQLITE_ROW || result == SQLITE_DONE { return result == SQLITE_ROW }
        defer { sqlite3_reset(handle) }
        try SQLiteError.check(result, connection: connectionHandle, sql: sql)
        return false
    }

    /// Binds `arguments` and runs the statement to completion.
    func execute(_ arguments: [any SQLiteBindable] = []) throws {
        try bind(arguments)
        while try step() {}
        sqlite3_reset(handle)
    }

    /// Binds `arguments` and maps every result row.
    func query<T>(_ arguments: [any SQLiteBindable] = [], _ map: (SQLiteRow) throws -> T) throws -> [T] {
        try bind(arguments)
        defer { sqlite3_reset(handle) }
        var rows: [T] = []
        let row = SQLiteRow(statement: self)
        while try step() { rows.append(try map(row)) }
        return rows
    }

    /// Binds `arguments` and hands every result row to `body` (nothing is collected).
    func forEachRow(_ arguments: [any SQLiteBindable] = [], _ body: (SQLiteRow) throws -> Void) throws {
        try bind(arguments)
        defer { sqlite3_reset(handle) }
        let row = SQLiteRow(statement: self)
        while try step() { try body(row) }
    }

    /// Binds `arguments` and maps the first result row, if any.
    func queryFirst<T>(_ arguments: [any SQLiteBindable] = [], _ map: (SQLiteRow) throws -> T) throws -> T? {
        try bind(arguments)
        defer { sqlite3_reset(handle) }
        return try step() ? map(SQLiteRow(statement: self)) : nil
    }

    /// The value of column `index` of the current row; the only place values come out of SQLite.
    func column(_ index: Int32) -> SQLiteValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT:
            return .real(sqlite3_column_double(handle, index))
        case SQLITE_TEXT:
            guard let text = sqlite3_column_text(handle, index) else { return .text("") }
            let count = Int(sqlite3_column_bytes(handle, index))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, index))
            guard count > 0, let bytes = sqlite3_column_blob(handle, index) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        default:
            return .null
        }
    }
}
