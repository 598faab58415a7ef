/// Maintenance silences: by device, building or community, until a time, with a reason, on the record.
extension EventStore {
    /// Adds a silence; returns it.
    @discardableResult
    public func addSilence(scope: SilenceScope, until: Millis, reason: String, actor: String,
                           at: Millis = EventStore.nowMillis()) throws -> Silence {
        let columns = Self.columns(of: scope)
        return try transaction {
            try connection.cached("""
                INSERT INTO silences (scope, community, building, device_id, created_at, until, reason, actor)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """).execute([columns.kind, columns.community, columns.building, columns.deviceID, at, until, reason, actor])
            return Silence(id: connection.lastInsertRowID, scope: scope, createdAt: at, until: until, reason: reason, actor: actor)
        }
    }

    /// Silences in force at `now`, soonest ending first.
    public func listSilences(now: Millis) throws -> [Silence] {
        try connection.cached("""
            SELECT id, scope, community, building, device_id, created_at, until, reason, actor FROM silences
            WHERE removed_at IS NULL AND until > ? ORDER BY until, id
            """).query([now], Self.silence(row:))
    }

    /// Ends a silence early (the row stays on the record); false when no such silence is in force.
    @discardableResult
    public func removeSilence(id: Int64, at: Millis = EventStore.nowMillis()) throws -> Bool {
        try transaction {
            try connection.cached("UPDATE silences SET removed_at = ? WHERE id = ? AND removed_at IS NULL")
                .execute([at, id])
            return connection.changedRowCount > 0
        }
    }

    /// The silence covering a device at `at`, if any.
    func coveringSilence(deviceID: String, location: EventLocation, at: Millis) throws -> Silence? {
        try connection.cached("""
            SELECT id, scope, community, building, device_id, created_at, until, reason, actor FROM silences
            WHERE removed_at IS NULL AND until > ?1 AND (
                (scope = 'device' AND device_id = ?2 AND ?2 <> '')
                OR (scope = 'building' AND community = ?3 AND building = ?4 AND ?4 <> '')
                OR (scope = 'community' AND community = ?3 AND ?3 <> ''))
            ORDER BY until DESC LIMIT 1
            """).queryFirst([at, deviceID, location.community, location.building], Self.silence(row:))
    }

    /// Stored columns of a scope.
    private static func columns(of scope: SilenceScope) -> (kind: String, community: String, building: String, deviceID: String) {
        switch scope {
        case .device(let id): return ("device", "", "", id)
        case .building(let community, let building): return ("building", community, building, "")
        case .community(let community): return ("community", community, "", "")
        }
    }

    /// Reads a silence row.
    private static func silence(row: SQLiteRow) -> Silence {
        let scope: SilenceScope
        switch row.text(1) {
        case "device": scope = .device(row.text(4))
        case "building": scope = .building(community: row.text(2), building: row.text(3))
        default: scope = .community(row.text(2))
        }
        return Silence(id: row.int64(0), scope: scope, createdAt: row.int64(5), until: row.int64(6),
                       reason: row.text(7), actor: row.text(8))
    }
}
