/// A value bound to a statement parameter or read from a column.
enum SQLiteValue: Sendable, Equatable {
    /// NULL.
    case null
    /// INTEGER.
    case integer(Int64)
    /// REAL.
    case real(Double)
    /// TEXT (UTF-8).
    case text(String)
    /// BLOB.
    case blob([UInt8])
}

/// A Swift value that can be bound to a statement parameter.
protocol SQLiteBindable {
    /// The value to bind.
    var sqliteValue: SQLiteValue { get }
    /// Binds the value to parameter `index` of `statement` (by default, its `sqliteValue`).
    func bind(to statement: SQLiteStatement, at index: Int32) throws
}

extension SQLiteBindable {
    /// Binds `sqliteValue`.
    func bind(to statement: SQLiteStatement, at index: Int32) throws {
        try statement.bind(sqliteValue, at: index)
    }
}

/// UTF-8 text already in bytes (a change-feed snapshot), bound as TEXT without first making a `String`.
/// The bytes must be valid UTF-8.
struct SQLiteUTF8Text: SQLiteBindable {
    /// The text's bytes.
    let bytes: [UInt8]

    /// TEXT.
    var sqliteValue: SQLiteValue { .text(String(decoding: bytes, as: UTF8.self)) }

    /// Binds the bytes as TEXT.
    func bind(to statement: SQLiteStatement, at index: Int32) throws {
        try statement.bindText(bytes, at: index)
    }
}

extension Int64: SQLiteBindable {
    /// INTEGER.
    var sqliteValue: SQLiteValue { .integer(self) }
}

extension Int: SQLiteBindable {
    /// INTEGER.
    var sqliteValue: SQLiteValue { .integer(Int64(self)) }
}

extension Bool: SQLiteBindable {
    /// INTEGER 0 or 1.
    var sqliteValue: SQLiteValue { .integer(self ? 1 : 0) }
}

extension Double: SQLiteBindable {
    /// REAL.
    var sqliteValue: SQLiteValue { .real(self) }
}

extension String: SQLiteBindable {
    /// TEXT.
    var sqliteValue: SQLiteValue { .text(self) }
}

extension Array: SQLiteBindable where Element == UInt8 {
    /// BLOB.
    var sqliteValue: SQLiteValue { .blob(self) }
}

extension Optional: SQLiteBindable where Wrapped: SQLiteBindable {
    /// The wrapped value, or NULL.
    var sqliteValue: SQLiteValue { self?.sqliteValue ?? .null }
}

extension SQLiteValue: SQLiteBindable {
    /// Itself.
    var sqliteValue: SQLiteValue { self }
}
