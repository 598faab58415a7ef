/// The current row of a statement, read by column index.
struct SQLiteRow {
    /// The statement positioned on the row.
    let statement: SQLiteStatement

    /// Column `index` as stored.
    subscript(_ index: Int) -> SQLiteValue { statement.column(Int32(index)) }

    /// Column `index` as an integer (0 for NULL, text that is not a number, or blobs).
    func int64(_ index: Int) -> Int64 { optionalInt64(index) ?? 0 }

    /// Column `index` as an integer, nil for NULL.
    func optionalInt64(_ index: Int) -> Int64? {
        switch self[index] {
        case .integer(let value): return value
        case .real(let value): return Int64(exactly: value.rounded()) ?? 0
        case .text(let text): return Int64(text)
        default: return nil
        }
    }

    /// Column `index` as a Bool (non-zero integer).
    func bool(_ index: Int) -> Bool { int64(index) != 0 }

    /// Column `index` as a Double, nil for NULL.
    func optionalDouble(_ index: Int) -> Double? {
        switch self[index] {
        case .integer(let value): return Double(value)
        case .real(let value): return value
        case .text(let text): return Double(text)
        default: return nil
        }
    }

    /// Column `index` as text ("" for NULL).
    func text(_ index: Int) -> String { optionalText(index) ?? "" }

    /// Column `index` as text, nil for NULL.
    func optionalText(_ index: Int) -> String? {
        switch self[index] {
        case .text(let text): return text
        case .integer(let value): return String(value)
        case .real(let value): return String(value)
        case .blob(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .null: return nil
        }
    }

    /// Column `index` as bytes ([] for NULL).
    func blob(_ index: Int) -> [UInt8] {
        switch self[index] {
        case .blob(let bytes): return bytes
        case .text(let text): return Array(text.utf8)
        default: return []
        }
    }
}
