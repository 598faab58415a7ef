import Vocabulary

/// Rule-engine state kept across restarts.
///
/// A batch's state changes are appended as ONE row of `rule_state_log` (a blob of the changes in order),
/// written in the batch's own transaction: a batch costs one sequential row however many devices it touched,
/// instead of one random B-tree write per device. `compactRuleState()` folds the log into `rule_state` (one row
/// per key, sorted, each key written once however often it changed) and deletes the folded rows, in one
/// transaction. `loadRuleState()` reads `rule_state` and replays the log on top, so it always returns the state
/// as of the last commit, whether or not the log was compacted: durability is the same as writing every key in
/// every batch.
extension EventStore {
    /// Saves rule-engine state changes (nil value deletes the key), in order, as one log row; returns the
    /// row's size in bytes.
    @discardableResult
    public func saveRuleState(_ changes: [(key: String, value: [UInt8]?)]) throws -> Int64 {
        guard !changes.isEmpty else { return 0 }
        let row = RuleStateLog.encode(changes)
        try connection.cached("INSERT INTO rule_state_log (changes) VALUES (?)").execute(binding: row)
        return Int64(row.count)
    }

    /// Bytes of state changes logged since the last compaction (what the next `compactRuleState()` folds).
    public func ruleStateLogBytes() throws -> Int64 {
        try connection.cached("SELECT coalesce(sum(length(changes)), 0) FROM rule_state_log").query { $0.int64(0) }.first ?? 0
    }

    /// Folds the logged changes into `rule_state`, latest value per key, in key order; returns how many keys were
    /// written or deleted. One transaction: a failure leaves the log as it was (nothing is lost, `loadRuleState`
    /// still replays it).
    @discardableResult
    public func compactRuleState() throws -> Int {
        try transaction {
            let (fold, lastSequence) = try foldedRuleStateLog()
            guard let lastSequence else { return 0 }
            let upsert = try connection.cached(
                "INSERT INTO rule_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            let delete = try connection.cached("DELETE FROM rule_state WHERE key = ?")
            for change in fold.sortedChanges() {
                let key = SQLiteUTF8Text(bytes: Array(fold.keyBytes(of: change)))
                if let value = fold.value(of: change) {
                    try upsert.execute(binding: key, Array(value))
                } else {
                    try delete.execute(binding: key)
                }
            }
            try connection.cached("DELETE FROM rule_state_log WHERE sequence <= ?").execute(binding: lastSequence)
            return fold.count
        }
    }

    /// Hands every saved rule-engine state entry to `body` once, one row at a time as SQLite returns it: the rows
    /// of `rule_state` in key order that the uncompacted log leaves as they are, then the keys the log changed,
    /// with their latest values. Nothing but the log's changes is held in memory (start-up with a million keys).
    public func forEachRuleState(_ body: (_ key: String, _ value: [UInt8]) -> Void) throws {
        let logged = try loggedRuleStateChanges().latest
        try connection.cached("SELECT key, value FROM rule_state ORDER BY key").forEachRow { row in
            let key = row.text(0)
            if logged[key] == nil { body(key, row.blob(1)) }
        }
        for (key, value) in logged.sorted(by: { $0.key < $1.key }) {
            if let value { body(key, value) }
        }
    }

    /// All saved rule-engine state: `rule_state` with the uncompacted log applied, in key order.
    public func loadRuleState() throws -> [(key: String, value: [UInt8])] {
        var state: [(key: String, value: [UInt8])] = []
        try forEachRuleState { key, value in state.append((key, value)) }
        return state.sorted { $0.key < $1.key }
    }

    /// The uncompacted log replayed in order: the latest value of every key it changed (nil: deleted), and the
    /// sequence of its last row (nil: the log is empty).
    private func loggedRuleStateChanges() throws -> (latest: [String: [UInt8]?], lastSequence: Int64?) {
        let (fold, lastSequence) = try foldedRuleStateLog()
        var latest: [String: [UInt8]?] = [:]
        latest.reserveCapacity(fold.count)
        for change in fold.changes { latest[fold.key(of: change)] = .some(fold.value(of: change).map(Array.init)) }
        return (latest, lastSequence)
    }

    /// The uncompacted log folded in place (see `RuleStateFold`), and the sequence of its last row (nil: empty).
    private func foldedRuleStateLog() throws -> (fold: RuleStateFold, lastSequence: Int64?) {
        var fold = RuleStateFold()
        fold.reserveCapacity(bytes: Int(try ruleStateLogBytes()))
        var lastSequence: Int64?
        try connection.cached("SELECT sequence, changes FROM rule_state_log ORDER BY sequence").forEachRow { row in
            lastSequence = row.int64(0)
            fold.add(row.blob(1))
        }
        return (fold, lastSequence)
    }
}

/// The blob format of one `rule_state_log` row: per change, the key's UTF-8 length (LEB128), the key, then
/// 0 for a deletion or 1, the value's length (LEB128) and the value.
enum RuleStateLog {
    /// Encodes changes in order.
    static func encode(_ changes: [(key: String, value: [UInt8]?)]) -> [UInt8] {
        // In place: appending each key and value to an array was a generic call per piece.
        var out = ByteBuffer(capacity: changes.reduce(0) { $0 + $1.key.utf8.count + ($1.value?.count ?? 0) + 6 })
        for change in changes {
            appendLength(change.key.utf8.count, to: &out)
            out.append(utf8: change.key)
            if let value = change.value {
                out.append(1)
                appendLength(value.count, to: &out)
                value.withUnsafeBufferPointer { out.append($0) }
            } else {
                out.append(0)
            }
        }
        return out.bytes
    }

    /// Calls `visit` with the places of each change of a blob, in order: the key's start and length, and the
    /// value's start and length (length -1: a deletion). Stops at the first malformed byte.
    static func scan(_ bytes: [UInt8], _ visit: (_ keyStart: Int, _ keyLength: Int, _ valueStart: Int, _ valueLength: Int) -> Void) {
        var position = 0
        while position < bytes.count {
            guard let keyLength = readLength(bytes, &position), bytes.count - position >= keyLength else { return }
            let keyStart = position
            position += keyLength
            guard position < bytes.count else { return }
            let present = bytes[position]
            position += 1
            if present == 0 {
                visit(keyStart, keyLength, position, -1)
                continue
            }
            guard present == 1, let valueLength = readLength(bytes, &position), bytes.count - position >= valueLength else { return }
            visit(keyStart, keyLength, position, valueLength)
            position += valueLength
        }
    }

    private static func appendLength(_ length: Int, to out: inout ByteBuffer) {
        var rest = UInt64(length)
        while rest >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        out.append(UInt8(rest))
    }

    private static func readLength(_ bytes: [UInt8], _ position: inout Int) -> Int? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while position < bytes.count, shift < 35 {
            let byte = bytes[position]
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return Int(value) }
            shift += 7
        }
        return nil
    }
}
