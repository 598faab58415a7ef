/// The rule-state log replayed without a `String` or an `Array` per logged change: every change of every row is
/// found in place in the rows' bytes, and an open-addressing table keyed by the key's bytes keeps the position of
/// each key's latest value. A fold of a 32 MB log (about a million changes of ~150,000 keys) then allocates per
/// distinct key, not per change, and sorts the keys by their bytes (SQLite's BINARY order of the `rule_state`
/// primary key) instead of by `String` comparison.
struct RuleStateFold {
    /// Where one key's latest change is.
    struct Change {
        /// The key's bytes: row, start, length.
        var row: Int32
        var keyStart: Int32
        var keyLength: Int32
        /// The latest value's start and length in its row (length -1: the key was deleted).
        var valueRow: Int32
        var valueStart: Int32
        var valueLength: Int32
    }

    /// The log rows, in sequence order.
    private(set) var rows: [[UInt8]] = []
    /// Latest change per key, in first-seen order.
    private(set) var changes: [Change] = []
    /// Open-addressing table of indices into `changes` (-1: empty), twice as large as needed at most.
    private var table: [Int32] = Array(repeating: -1, count: 1024)
    private var hashes: [UInt64] = []

    /// Number of distinct keys changed.
    var count: Int { changes.count }

    /// Replays one log row (a damaged row contributes the changes before the damage: `RuleStateLog.scan`).
    mutating func add(_ row: [UInt8]) {
        let rowIndex = Int32(rows.count)
        rows.append(row)
        RuleStateLog.scan(row) { keyStart, keyLength, valueStart, valueLength in
            note(row: rowIndex, keyStart: keyStart, keyLength: keyLength, valueStart: valueStart, valueLength: valueLength)
        }
    }

    /// The key of a change as text.
    func key(of change: Change) -> String {
        String(decoding: rows[Int(change.row)][Int(change.keyStart)..<Int(change.keyStart + change.keyLength)], as: UTF8.self)
    }

    /// The key's UTF-8 bytes.
    func keyBytes(of change: Change) -> ArraySlice<UInt8> {
        rows[Int(change.row)][Int(change.keyStart)..<Int(change.keyStart + change.keyLength)]
    }

    /// The latest value of a change (nil: deleted).
    func value(of change: Change) -> ArraySlice<UInt8>? {
        guard change.valueLength >= 0 else { return nil }
        return rows[Int(change.valueRow)][Int(change.valueStart)..<Int(change.valueStart + change.valueLength)]
    }

    /// The changes in the order of their keys' bytes.
    func sortedChanges() -> [Change] {
        changes.sorted { lhs, rhs in keyBytes(of: lhs).lexicographicallyPrecedes(keyBytes(of: rhs)) }
    }

    /// Records a change at the given place of row `row`.
    private mutating func note(row: Int32, keyStart: Int32, keyLength: Int32, valueStart: Int32, valueLength: Int32) {
        let hash = Self.hash(rows[Int(row)], start: Int(keyStart), length: Int(keyLength))
        let mask = table.count - 1
        var bucket = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = table[bucket]
            if slot < 0 { break }
            if hashes[Int(slot)] == hash, sameKey(changes[Int(slot)], row: row, start: keyStart, length: keyLength) {
                changes[Int(slot)].valueRow = row
                changes[Int(slot)].valueStart = valueStart
                changes[Int(slot)].valueLength = valueLength
                return
            }
            bucket = (bucket + 1) & mask
        }
        table[bucket] = Int32(changes.count)
        changes.append(Change(row: row, keyStart: keyStart, keyLength: keyLength,
                              valueRow: row, valueStart: valueStart, valueLength: valueLength))
        hashes.append(hash)
        if changes.count * 2 > table.count { grow() }
    }

    /// Whether `change`'s key has the bytes at `start..<start+length` of row `row`.
    private func sameKey(_ change: Change, row: Int32, start: Int32, length: Int32) -> Bool {
        guard change.keyLength == length else { return false }
        return rows[Int(change.row)][Int(change.keyStart)..<Int(change.keyStart + length)]
            .elementsEqual(rows[Int(row)][Int(start)..<Int(start + length)])
    }

    /// Doubles the table and re-inserts every change.
    private mutating func grow() {
        table = Array(repeating: -1, count: table.count * 2)
        let mask = table.count - 1
        for (index, hash) in hashes.enumerated() {
            var bucket = Int(truncatingIfNeeded: hash) & mask
            while table[bucket] >= 0 { bucket = (bucket + 1) & mask }
            table[bucket] = Int32(index)
        }
    }

    /// 64-bit FNV-1a of a byte range, its bits spread by a final multiply (the table takes the low bits).
    private static func hash(_ bytes: [UInt8], start: Int, length: Int) -> UInt64 {
        bytes.withUnsafeBufferPointer { buffer in
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in buffer[start..<(start + length)] { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            return (hash ^ (hash >> 32)) &* 0x9E37_79B9_7F4A_7C15
        }
    }
}
