import Vocabulary

/// The breakdowns of `lookout stats` and the monthly report.
extension EventStore {
    /// Breakdowns of the events first raised in `since ..< until`. Whole hours and days come from the roll-up
    /// `stats_causes` (`CauseRollup`), the partial hours at both ends from the events; SQLite sums them in one
    /// statement. The devices with the most nuisance and false alarms (at most `topDevices`) come from the
    /// partial index `events_flagged`; offline devices (at most `topDevices`) from the devices mirror. `community`:
    /// that community's events and devices only.
    public func breakdown(since: EpochMillis, until: EpochMillis, community: String? = nil, topDevices: Int = 10) throws -> EventBreakdown {
        try breakdown(since: since, until: until, community: community, topDevices: topDevices, fullScan: false)
    }

    /// `breakdown`, or with `fullScan` the same read from every event of the period without the roll-up (the
    /// reference the roll-up is tested against).
    func breakdown(since: EpochMillis, until: EpochMillis, community: String?, topDevices: Int, fullScan: Bool) throws -> EventBreakdown {
        try readingOneSnapshot {
            var result = EventBreakdown(since: since, until: until, total: CauseCounts(key: ""), byCommunity: [], byGrid: [],
                                        byBuilding: [], byTeam: [], byKind: [], byRule: [], devices: [], offline: [])
            guard since < until else { return result }
            try sumGroups(since: since, until: until, community: community, fullScan: fullScan, into: &result)
            result.devices = try flaggedDevices(since: since, until: until, community: community, limit: topDevices)
            result.offline = try offlineDevices(community: community, limit: topDevices)
            return result
        }
    }

    /// The key columns of `stats_causes`, read from the roll-up and from `events` alike.
    private static let causeKeys = CauseRollup.keyColumns.map { $0 == "cause" ? "coalesce(cause, '') AS cause" : $0 }.joined(separator: ", ")

    /// Sums the roll-up's blocks and the events of the partial hours, grouped, into the breakdowns.
    private func sumGroups(since: EpochMillis, until: EpochMillis, community: String?, fullScan: Bool,
                           into result: inout EventBreakdown) throws {
        var parts: [String] = []
        var arguments: [any SQLiteBindable] = []
        let oneCommunity = community == nil ? "" : " AND community = ?"
        func events(_ range: Range<EpochMillis>) {
            guard !range.isEmpty else { return }
            parts.append("SELECT \(Self.causeKeys), 1 AS events FROM events WHERE first_seen >= ? AND first_seen < ?" + oneCommunity)
            arguments += [range.lowerBound, range.upperBound] + (community.map { [$0] } ?? [])
        }
        if !fullScan, let blocks = StatisticsRollup.blockRuns(since: since, until: until) {
            events(since ..< blocks.covered.lowerBound)
            for run in blocks.runs {
                parts.append("SELECT \(Self.causeKeys), events FROM stats_causes WHERE span = ? AND start >= ? AND start < ? AND events <> 0"
                             + oneCommunity)
                arguments += [run.span, run.from, run.to] + (community.map { [$0] } ?? [])
            }
            events(blocks.covered.upperBound ..< until)
        } else {
            events(since ..< until)
        }
        var groups = Groups()
        _ = try connection.cached("""
            SELECT \(CauseRollup.keyColumns.joined(separator: ", ")), sum(events) FROM (\(parts.joined(separator: " UNION ALL ")))
            GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(events) <> 0
            """).query(arguments) { row in
                let count = Int(row.int64(7))
                let community = row.text(0)
                let cause = row.text(6)
                result.total.add(count, cause: cause)
                groups.add(count, cause: cause, community: community, grid: row.text(1), building: row.text(2),
                           kind: row.text(3), rule: row.text(4), teams: StoredEvent.decodeTeams(row.text(5)))
            }
        result.byCommunity = groups.sorted(groups.community)
        result.byGrid = groups.sorted(groups.grid)
        result.byBuilding = groups.sorted(groups.building)
        result.byTeam = groups.sorted(groups.team)
        result.byKind = groups.sorted(groups.kind)
        result.byRule = groups.sorted(groups.rule)
    }

    /// The groups of a breakdown while they are summed.
    private struct Groups {
        var community: [String: CauseCounts] = [:]
        var grid: [String: CauseCounts] = [:]
        var building: [String: CauseCounts] = [:]
        var team: [String: CauseCounts] = [:]
        var kind: [String: CauseCounts] = [:]
        var rule: [String: CauseCounts] = [:]

        mutating func add(_ count: Int, cause: String, community: String, grid: String, building: String, kind: String,
                          rule: String, teams: [String]) {
            self.community[community, default: CauseCounts(key: community)].add(count, cause: cause)
            self.grid[grid, default: CauseCounts(key: grid)].add(count, cause: cause)
            self.building[community + "\n" + building, default: CauseCounts(key: building, community: community)].add(count, cause: cause)
            for name in Set(TeamName.staff(teams)) { team[name, default: CauseCounts(key: name)].add(count, cause: cause) }
            self.kind[kind, default: CauseCounts(key: kind)].add(count, cause: cause)
            self.rule[rule, default: CauseCounts(key: rule)].add(count, cause: cause)
        }

        /// Most events first, then by key.
        func sorted(_ groups: [String: CauseCounts]) -> [CauseCounts] {
            groups.values.sorted { ($0.events, $1.key, $1.community ?? "") > ($1.events, $0.key, $0.community ?? "") }
        }
    }

    /// The devices with the most nuisance and false alarms first raised in the period.
    private func flaggedDevices(since: EpochMillis, until: EpochMillis, community: String?, limit: Int) throws -> [DeviceCauses] {
        let top = try connection.cached("""
            SELECT device_id, sum(cause = 'nuisance'), sum(cause = 'false') FROM events INDEXED BY events_flagged
            WHERE \(CauseRollup.flaggedCondition) AND first_seen >= ?1 AND first_seen < ?2 AND device_id <> ''
                AND (?4 IS NULL OR community = ?4)
            GROUP BY device_id ORDER BY count(*) DESC, device_id LIMIT ?3
            """).query([since, until, Int64(limit), community]) { row in (row.text(0), Int(row.int64(1)), Int(row.int64(2))) }
        return try top.map { device, nuisance, falseAlarms in
            let classified = try connection.integer("""
                SELECT count(*) FROM events INDEXED BY events_caused
                WHERE cause IS NOT NULL AND device_id = ? AND first_seen >= ? AND first_seen < ?
                """, [device, since, until])
            let place = try connection.cached("""
                SELECT kind, community, building FROM devices WHERE id = ?1
                UNION ALL SELECT kind, community, building FROM events INDEXED BY events_caused
                    WHERE cause IS NOT NULL AND device_id = ?1 LIMIT 1
                """).queryFirst([device]) { row in (row.text(0), row.text(1), row.text(2)) } ?? ("", "", "")
            return DeviceCauses(deviceID: device, kind: place.0, community: place.1, building: place.2,
                                classified: Int(classified), nuisance: nuisance, falseAlarms: falseAlarms)
        }
    }

    /// Devices the daemon counts offline, heard from longest ago first.
    private func offlineDevices(community: String?, limit: Int) throws -> [OfflineDevice] {
        try connection.cached("""
            SELECT id, kind, community, building, last_seen FROM devices
            WHERE online = 0 AND last_seen IS NOT NULL AND (?2 IS NULL OR community = ?2) ORDER BY last_seen, id LIMIT ?1
            """).query([Int64(limit), community]) { row in
                OfflineDevice(deviceID: row.text(0), kind: row.text(1), community: row.text(2), building: row.text(3),
                              lastSeen: row.int64(4))
            }
    }
}
