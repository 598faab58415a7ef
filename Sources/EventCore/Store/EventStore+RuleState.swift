/// Rule-engine state kept across restarts.
extension EventStore {
    /// Saves rule-engine state changes (nil value deletes the key).
    public func saveRuleState(_ changes: [(key: String, value: [UInt8]?)]) throws {
        guard !changes.isEmpty else { return }
        try transaction {
            let upsert = try connection.cached("INSERT OR REPLACE INTO rule_state (key, value) VALUES (?, ?)")
            let delete = try connection.cached("DELETE FROM rule_state WHERE key = ?")
            for change in changes {
                if let value = change.value {
                    try upsert.execute([change.key, value])
                } else {
                    try delete.execute([change.key])
                }
            }
        }
    }

    /// Hands every saved rule-engine state entry to `body`, in key order, one row at a time.
    public func forEachRuleState(_ body: (_ key: String, _ value: [UInt8]) -> Void) throws {
        try connection.cached("SELECT key, value FROM rule_state ORDER BY key").forEachRow { row in
            body(row.text(0), row.blob(1))
        }
    }

    /// All saved rule-engine state.
    public func loadRuleState() throws -> [(key: String, value: [UInt8])] {
        try connection.cached("SELECT key, value FROM rule_state ORDER BY key").query { row in
            (key: row.text(0), value: row.blob(1))
        }
    }
}
