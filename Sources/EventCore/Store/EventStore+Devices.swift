import Vocabulary

/// The device list for `lookout devices`: the registry mirror plus what the daemon saw.
extension EventStore {
    /// Mirrors the registry: updates registry fields of every listed device (keeping what was seen),
    /// and marks devices no longer listed as unregistered.
    public func mirrorRegistry(_ devices: [DeviceState], at: EpochMillis) throws {
        try mirrorRegistry(devices, at: at, fingerprint: nil)
    }

    /// Mirrors the registry as `mirrorRegistry(_:at:)` and, in the same transaction, stores `fingerprint`
    /// (a caller's digest of what it mirrored; nil forgets the stored one), so that the caller can skip
    /// mirroring the same registry again (`registryMirrorFingerprint()`). Rows that already hold the listed
    /// values are left as they are: mirroring an unchanged registry reads the table but writes nothing.
    public func mirrorRegistry(_ devices: [DeviceState], at: EpochMillis, fingerprint: String?) throws {
        try transaction {
            try upsertRegisteredDevices(devices[...], at: at)
            try finishRegistryMirror(devices, at: at, fingerprint: fingerprint)
        }
    }

    /// The first part of a mirror made in several transactions (for a large registry, so that no single
    /// transaction holds the write lock for long): writes `devices` as registered rows (rows that already hold
    /// the listed values are left as they are). `finishRegistryMirror` completes it.
    public func upsertRegisteredDevices(_ devices: ArraySlice<DeviceState>, at: EpochMillis) throws {
        try transaction {
            let upsert = try connection.cached("""
                INSERT INTO devices (id, kind, community, building, unit, address, grid, owner, resident_name,
                    report_interval_s, latitude, longitude, resident_id, registered, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
                ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, community = excluded.community,
                    building = excluded.building, unit = excluded.unit, address = excluded.address, grid = excluded.grid,
                    owner = excluded.owner, resident_name = excluded.resident_name,
                    report_interval_s = excluded.report_interval_s, latitude = excluded.latitude,
                    longitude = excluded.longitude, resident_id = excluded.resident_id, registered = 1,
                    updated_at = excluded.updated_at
                WHERE registered = 0 OR kind IS NOT excluded.kind OR community IS NOT excluded.community
                    OR building IS NOT excluded.building OR unit IS NOT excluded.unit OR address IS NOT excluded.address
                    OR grid IS NOT excluded.grid OR owner IS NOT excluded.owner
                    OR resident_name IS NOT excluded.resident_name OR report_interval_s IS NOT excluded.report_interval_s
                    OR latitude IS NOT excluded.latitude OR longitude IS NOT excluded.longitude
                    OR resident_id IS NOT excluded.resident_id
                """)
            for device in devices {
                try upsert.execute(binding: device.id, device.kind, device.community, device.building, device.unit,
                                   device.address, device.grid, device.owner, device.residentName,
                                   device.reportIntervalSeconds, device.latitude, device.longitude, device.residentID, at)
            }
        }
    }

    /// The last part of a mirror: once every device of `devices` (the whole registry) is written with
    /// `upsertRegisteredDevices`, marks the registered rows it does not list as unregistered and stores
    /// `fingerprint` (nil forgets the stored one), in one transaction.
    public func finishRegistryMirror(_ devices: [DeviceState], at: EpochMillis, fingerprint: String?) throws {
        try transaction {
            try unregisterDevices(notIn: devices)
            if let fingerprint {
                try connection.cached("""
                    INSERT INTO mirror_fingerprints (name, fingerprint, updated_at) VALUES ('registry', ?, ?)
                    ON CONFLICT(name) DO UPDATE SET fingerprint = excluded.fingerprint, updated_at = excluded.updated_at
                    """).execute(binding: fingerprint, at)
            } else {
                try connection.cached("DELETE FROM mirror_fingerprints WHERE name = 'registry'").execute()
            }
        }
    }

    /// Marks registered devices that `devices` does not list as unregistered. Every listed device is
    /// registered by now, so when the ids are distinct (checked cheaply when they come in ascending order,
    /// as the daemon lists them) and the table holds as many registered devices, there is none to find.
    private func unregisterDevices(notIn devices: [DeviceState]) throws {
        let registered = try connection.integer("SELECT count(*) FROM devices WHERE registered = 1")
        let ascending = zip(devices, devices.dropFirst()).allSatisfy { $0.id < $1.id }
        if ascending && registered == Int64(devices.count) { return }
        let listed = Set(devices.map(\.id))
        var unlisted: [String] = []
        try connection.cached("SELECT id FROM devices WHERE registered = 1").forEachRow { row in
            let id = row.text(0)
            if !listed.contains(id) { unlisted.append(id) }
        }
        let unregister = try connection.cached("UPDATE devices SET registered = 0 WHERE id = ?")
        for id in unlisted { try unregister.execute([id]) }
    }

    /// The fingerprint stored by the last `mirrorRegistry(_:at:fingerprint:)`, nil when there is none.
    public func registryMirrorFingerprint() throws -> String? {
        try connection.cached("SELECT fingerprint FROM mirror_fingerprints WHERE name = 'registry'").queryFirst { $0.text(0) }
    }

    /// Records device activity (last seen, online, battery); unknown devices are added as unregistered.
    /// The kind from the topic fills in a kind the registry does not give; it never replaces the registry's.
    public func recordDeviceActivity(_ activity: [DeviceActivity]) throws {
        guard !activity.isEmpty else { return }
        try transaction {
            let upsert = try connection.cached("""
                INSERT INTO devices (id, kind, last_seen, online, battery_pct, registered, updated_at, rejected, last_reject_at,
                    last_reject_reason)
                VALUES (?1, ?2, nullif(?3, 0), ?4, ?5, 0, max(?3, ?7), ?6, nullif(?7, 0), ?8)
                ON CONFLICT(id) DO UPDATE SET
                    kind = CASE WHEN excluded.kind = '' OR (registered = 1 AND kind != '') THEN kind ELSE excluded.kind END,
                    last_seen = CASE WHEN excluded.last_seen IS NULL THEN last_seen
                        ELSE max(coalesce(last_seen, excluded.last_seen), excluded.last_seen) END,
                    online = coalesce(excluded.online, online),
                    battery_pct = coalesce(excluded.battery_pct, battery_pct),
                    rejected = rejected + excluded.rejected,
                    last_reject_reason = CASE WHEN excluded.last_reject_at >= coalesce(last_reject_at, 0)
                        THEN excluded.last_reject_reason ELSE last_reject_reason END,
                    last_reject_at = max(coalesce(last_reject_at, excluded.last_reject_at), coalesce(excluded.last_reject_at, last_reject_at)),
                    updated_at = max(updated_at, excluded.updated_at)
                """)
            for item in activity {
                try upsert.execute([item.deviceID, item.kind, item.at, item.online, item.batteryPercent, item.rejected,
                                    item.lastRejectAt, item.lastRejectReason])
            }
        }
    }

    /// Every known device: registered ones first (a flood of spoofed ids must not bury them), by community and id.
    public func devices() throws -> [DeviceState] {
        try connection.cached("""
            SELECT id, kind, community, building, unit, address, grid, owner, resident_name, report_interval_s,
                registered, last_seen, online, battery_pct, rejected, last_reject_at, last_reject_reason, latitude, longitude,
                resident_id
            FROM devices ORDER BY registered DESC, community, id
            """).query { row in
                var device = DeviceState(id: row.text(0), kind: row.text(1), community: row.text(2), building: row.text(3),
                                         unit: row.text(4), address: row.text(5), grid: row.text(6), owner: row.text(7),
                                         residentName: row.text(8), reportIntervalSeconds: row.optionalInt64(9),
                                         registered: row.bool(10), lastSeen: row.optionalInt64(11),
                                         online: row.optionalInt64(12).map { $0 != 0 }, batteryPercent: row.optionalDouble(13))
                device.rejected = row.int64(14)
                device.lastRejectAt = row.optionalInt64(15)
                device.lastRejectReason = row.text(16)
                device.latitude = row.optionalDouble(17)
                device.longitude = row.optionalDouble(18)
                device.residentID = row.text(19)
                return device
            }
    }

    /// What an away note's subject names in the devices table: a device (in the registry or heard from), a resident id of the registry, or nothing
    /// (`residentsNamed`: how many residents have it as their name, so that a name given instead of an id is
    /// explained). An id that is both a device's and a resident's counts as the device.
    public func awaySubject(_ subject: String) throws -> AwaySubject {
        if try connection.cached("SELECT 1 FROM devices WHERE id = ?").queryFirst([subject]) { _ in true } == true {
            return .device
        }
        let devices = try connection.cached("SELECT count(*) FROM devices WHERE resident_id = ? AND registered = 1")
            .queryFirst([subject]) { $0.int64(0) } ?? 0
        if devices > 0 { return .resident(devices: Int(devices)) }
        let named = try connection.cached("""
            SELECT count(DISTINCT CASE WHEN resident_id != '' THEN resident_id ELSE id END) FROM devices
            WHERE resident_name = ? AND registered = 1
            """).queryFirst([subject]) { $0.int64(0) } ?? 0
        return .unknown(residentsNamed: Int(named))
    }
}

/// What an away note's subject names (`EventStore.awaySubject`).
public enum AwaySubject: Sendable, Equatable {
    /// A device of the registry, or one heard from.
    case device
    /// A resident id of the registry, with how many registered devices are theirs.
    case resident(devices: Int)
    /// Neither; `residentsNamed` residents have it as their name.
    case unknown(residentsNamed: Int)
}
