/// Operational records beside the events: rejected messages, daemon status, devices, away notes,
/// and message fingerprints for redelivery de-duplication.
extension EventStore {
    // MARK: Rejected messages

    /// Records rejected messages: counters per reason, and a bounded sample per reason
    /// (`StoreOptions.rejectSamplesPerReason`, newest kept).
    public func recordRejects(_ rejects: [RejectedMessage]) throws {
        guard !rejects.isEmpty else { return }
        try transaction {
            let excerptLimit = max(options.rejectPayloadExcerptBytes, 0)
            let insert = try connection.cached("INSERT INTO rejects (at, reason, topic, payload_excerpt) VALUES (?, ?, ?, ?)")
            let count = try connection.cached("""
                INSERT INTO reject_counts (reason, count, last_at) VALUES (?, 1, ?)
                ON CONFLICT(reason) DO UPDATE SET count = count + 1, last_at = max(last_at, excluded.last_at)
                """)
            for reject in rejects {
                let excerpt = String(decoding: Array(reject.payloadExcerpt.utf8.prefix(excerptLimit)), as: UTF8.self)
                try insert.execute([reject.at, reject.reason, reject.topic, excerpt])
                try count.execute([reject.reason, reject.at])
            }
            let trim = try connection.cached("""
                DELETE FROM rejects WHERE reason = ?1 AND id <= (
                    SELECT id FROM rejects WHERE reason = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)
                """)
            for reason in Set(rejects.map(\.reason)) {
                try trim.execute([reason, max(options.rejectSamplesPerReason, 0)])
            }
        }
    }

    /// Rejection counters, most frequent first.
    public func rejectCounts() throws -> [RejectCount] {
        try connection.cached("SELECT reason, count, last_at FROM reject_counts ORDER BY count DESC, reason").query { row in
            RejectCount(reason: row.text(0), count: row.int64(1), lastAt: row.int64(2))
        }
    }

    /// The newest kept samples, newest first, optionally for one reason.
    public func recentRejects(reason: String? = nil, limit: Int = 50) throws -> [RejectedMessage] {
        try connection.cached("""
            SELECT at, reason, topic, payload_excerpt FROM rejects WHERE ?1 IS NULL OR reason = ?1 ORDER BY id DESC LIMIT ?2
            """).query([reason, max(limit, 0)]) { row in
                RejectedMessage(at: row.int64(0), reason: row.text(1), topic: row.text(2), payloadExcerpt: row.text(3))
            }
    }

    // MARK: Daemon status

    /// Replaces the daemon's status (written every few seconds by lookoutd).
    public func writeDaemonStatus(_ values: [String: String], at: Millis) throws {
        try transaction {
            try connection.cached("DELETE FROM daemon_status").execute()
            let insert = try connection.cached("INSERT INTO daemon_status (key, value, updated_at) VALUES (?, ?, ?)")
            for (key, value) in values { try insert.execute([key, value, at]) }
        }
    }

    /// The daemon's last written status.
    public func daemonStatus() throws -> DaemonStatusSnapshot {
        var snapshot = DaemonStatusSnapshot(values: [:], updatedAt: nil)
        let rows = try connection.cached("SELECT key, value, updated_at FROM daemon_status").query { row in
            (key: row.text(0), value: row.text(1), at: row.int64(2))
        }
        for row in rows {
            snapshot.values[row.key] = row.value
            snapshot.updatedAt = max(snapshot.updatedAt ?? row.at, row.at)
        }
        return snapshot
    }

    // MARK: Devices

    /// Mirrors the registry: updates registry fields of every listed device (keeping what was seen),
    /// and marks devices no longer listed as unregistered.
    public func mirrorRegistry(_ devices: [DeviceState], at: Millis) throws {
        try transaction {
            try connection.cached("UPDATE devices SET registered = 0").execute()
            let upsert = try connection.cached("""
                INSERT INTO devices (id, kind, community, building, unit, address, grid, owner, resident_name,
                    report_interval_s, registered, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
                ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, community = excluded.community,
                    building = excluded.building, unit = excluded.unit, address = excluded.address, grid = excluded.grid,
                    owner = excluded.owner, resident_name = excluded.resident_name,
                    report_interval_s = excluded.report_interval_s, registered = 1, updated_at = excluded.updated_at
                """)
            for device in devices {
                try upsert.execute([device.id, device.kind, device.community, device.building, device.unit,
                                    device.address, device.grid, device.owner, device.residentName,
                                    device.reportIntervalSeconds, at])
            }
        }
    }

    /// Records device activity (last seen, online, battery); unknown devices are added as unregistered.
    public func recordDeviceActivity(_ activity: [DeviceActivity]) throws {
        guard !activity.isEmpty else { return }
        try transaction {
            let upsert = try connection.cached("""
                INSERT INTO devices (id, kind, last_seen, online, battery_pct, registered, updated_at)
                VALUES (?1, ?2, ?3, ?4, ?5, 0, ?3)
                ON CONFLICT(id) DO UPDATE SET
                    kind = CASE WHEN excluded.kind = '' THEN kind ELSE excluded.kind END,
                    last_seen = max(coalesce(last_seen, excluded.last_seen), excluded.last_seen),
                    online = coalesce(excluded.online, online),
                    battery_pct = coalesce(excluded.battery_pct, battery_pct),
                    updated_at = max(updated_at, excluded.updated_at)
                """)
            for item in activity {
                try upsert.execute([item.deviceID, item.kind, item.at, item.online, item.batteryPercent])
            }
        }
    }

    /// Every known device, by community and id.
    public func devices() throws -> [DeviceState] {
        try connection.cached("""
            SELECT id, kind, community, building, unit, address, grid, owner, resident_name, report_interval_s,
                registered, last_seen, online, battery_pct FROM devices ORDER BY community, id
            """).query { row in
                DeviceState(id: row.text(0), kind: row.text(1), community: row.text(2), building: row.text(3),
                            unit: row.text(4), address: row.text(5), grid: row.text(6), owner: row.text(7),
                            residentName: row.text(8), reportIntervalSeconds: row.optionalInt64(9),
                            registered: row.bool(10), lastSeen: row.optionalInt64(11),
                            online: row.optionalInt64(12).map { $0 != 0 }, batteryPercent: row.optionalDouble(13))
            }
    }

    // MARK: Away notes

    /// Adds an away note for a resident or device.
    @discardableResult
    public func addAwayNote(subject: String, until: Millis, reason: String, actor: String,
                            at: Millis = EventStore.nowMillis()) throws -> AwayNote {
        try transaction {
            try connection.cached("""
                INSERT INTO away_notes (subject, created_at, until, reason, actor) VALUES (?, ?, ?, ?, ?)
                """).execute([subject, at, until, reason, actor])
            return AwayNote(id: connection.lastInsertRowID, subject: subject, createdAt: at, until: until,
                            reason: reason, actor: actor)
        }
    }

    /// Away notes in force at `now`, soonest ending first.
    public func listAwayNotes(now: Millis) throws -> [AwayNote] {
        try connection.cached("""
            SELECT id, subject, created_at, until, reason, actor FROM away_notes
            WHERE removed_at IS NULL AND until > ? ORDER BY until, id
            """).query([now]) { row in
                AwayNote(id: row.int64(0), subject: row.text(1), createdAt: row.int64(2), until: row.int64(3),
                         reason: row.text(4), actor: row.text(5))
            }
    }

    /// Ends an away note early (kept on the record); false when none is in force with that id.
    @discardableResult
    public func removeAwayNote(id: Int64, at: Millis = EventStore.nowMillis()) throws -> Bool {
        try transaction {
            try connection.cached("UPDATE away_notes SET removed_at = ? WHERE id = ? AND removed_at IS NULL").execute([at, id])
            return connection.changedRowCount > 0
        }
    }

    /// Whether an away note for `subject` is in force at `at`.
    public func isAway(subject: String, at: Millis) throws -> Bool {
        try connection.integer("""
            SELECT EXISTS (SELECT 1 FROM away_notes WHERE subject = ? AND removed_at IS NULL AND until > ?)
            """, [subject, at]) != 0
    }

    // MARK: Message fingerprints

    /// Remembers fingerprints of processed messages, to drop MQTT redeliveries.
    public func rememberMessages(_ fingerprints: [UInt64], at: Millis) throws {
        guard !fingerprints.isEmpty else { return }
        try transaction {
            let upsert = try connection.cached("INSERT OR REPLACE INTO message_fingerprints (fingerprint, at) VALUES (?, ?)")
            for fingerprint in fingerprints { try upsert.execute([Int64(bitPattern: fingerprint), at]) }
        }
    }

    /// Fingerprints remembered at or after `since`.
    public func recentMessageFingerprints(since: Millis) throws -> Set<UInt64> {
        Set(try connection.cached("SELECT fingerprint FROM message_fingerprints WHERE at >= ?").query([since]) { row in
            UInt64(bitPattern: row.int64(0))
        })
    }

    /// Forgets fingerprints remembered before `before`; returns how many.
    @discardableResult
    public func pruneMessageFingerprints(before: Millis) throws -> Int {
        try transaction {
            try connection.cached("DELETE FROM message_fingerprints WHERE at < ?").execute([before])
            return connection.changedRowCount
        }
    }
}
