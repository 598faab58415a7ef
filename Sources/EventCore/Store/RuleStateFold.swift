import FoundationEssentials
import Glibc
import Vocabulary

/// The rule-state log replayed without a `String` or an `Array` per logged change: the rows' bytes are kept in
/// one buffer, every change is found in place, and an open-addressing table keyed by the key's bytes keeps the
/// place of each key's latest value. A fold of a 64 MB log (about two million changes of ~150,000 keys) then
/// allocates per distinct key, not per change, and sorts the keys by their bytes with `memcmp` (SQLite's BINARY
/// order of the `rule_state` primary key) instead of by `String` comparison.
struct RuleStateFold {
    /// Where one key's latest change is, in `bytes`.
    struct Change {
        var keyStart: Int
        var keyLength: Int
        /// The latest value (length -1: the key was deleted).
        var valueStart: Int
        var valueLength: Int
    }

    /// Every row replayed so far, one after the other.
    private var bytes: [UInt8] = []
    /// Latest change per key, in first-seen order.
    private(set) var changes: [Change] = []
    /// Open-addressing table of indices into `changes` (-1: empty), at most half full.
    private var table: [Int32] = Array(repeating: -1, count: 1024)
    /// Hash of each change's key, by index into `changes`.
    private var hashes: [UInt64] = []

    /// Number of distinct keys changed.
    var count: Int { changes.count }

    /// Makes room for rows of `byteCount` bytes in all (the buffer is not grown and copied row by row).
    mutating func reserveCapacity(bytes byteCount: Int) { bytes.reserveCapacity(byteCount) }

    /// Replays one log row (a damaged row contributes the changes before the damage: `RuleStateLog.scan`).
    mutating func add(_ row: [UInt8]) {
        let base = bytes.count
        bytes.append(contentsOf: row)
        RuleStateLog.scan(row) { keyStart, keyLength, valueStart, valueLength in
            note(Change(keyStart: base + keyStart, keyLength: keyLength, valueStart: base + valueStart, valueLength: valueLength))
        }
    }

    /// The key of a change as text.
    func key(of change: Change) -> String {
        String(decoding: keyBytes(of: change), as: UTF8.self)
    }

    /// The key's UTF-8 bytes.
    func keyBytes(of change: Change) -> ArraySlice<UInt8> {
        bytes[change.keyStart..<(change.keyStart + change.keyLength)]
    }

    /// The latest value of a change (nil: deleted).
    func value(of change: Change) -> ArraySlice<UInt8>? {
        guard change.valueLength >= 0 else { return nil }
        return bytes[change.valueStart..<(change.valueStart + change.valueLength)]
    }

    /// The changes in the order of their keys' bytes (memcmp, then the shorter first: SQLite's BINARY order).
    func sortedChanges() -> [Change] {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return changes }
            return changes.sorted { lhs, rhs in
                let order = memcmp(base + lhs.keyStart, base + rhs.keyStart, min(lhs.keyLength, rhs.keyLength))
                return order != 0 ? order < 0 : lhs.keyLength < rhs.keyLength
            }
        }
    }

    /// Records `change`: the latest value of its key.
    private mutating func note(_ change: Change) {
        let hash = bytes.withUnsafeBufferPointer { Self.hash($0, start: change.keyStart, length: change.keyLength) }
        let mask = table.count - 1
        var bucket = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = Int(table[bucket])
            if slot < 0 { break }
            if hashes[slot] == hash, changes[slot].keyLength == change.keyLength,
               keyBytes(of: changes[slot]).elementsEqual(keyBytes(of: change)) {
                changes[slot].valueStart = change.valueStart
                changes[slot].valueLength = change.valueLength
                return
            }
            bucket = (bucket + 1) & mask
        }
        table[bucket] = Int32(changes.count)
        changes.append(change)
        hashes.append(hash)
        if changes.count * 2 > table.count { grow() }
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
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>, start: Int, length: Int) -> UInt64 {
        let hash = FNV1a.hash(UnsafeBufferPointer(rebasing: bytes[start..<(start + length)]))
        return (hash ^ (hash >> 32)) &* 0x9E37_79B9_7F4A_7C15
    }
}
