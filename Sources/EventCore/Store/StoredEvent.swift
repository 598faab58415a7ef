import FoundationEssentials
import Glibc
import Vocabulary

/// An event row with the bookkeeping columns the public record does not show.
struct StoredEvent {
    /// Row id (the number in `E-<n>`).
    var rowID: Int64
    /// The public record.
    var record: EventRecord
    /// Milliseconds allowed to acknowledge (kept to restart the deadline on reopen).
    var acknowledgeWithin: EpochMillis?
    /// Milliseconds allowed to be on site.
    var onsiteWithin: EpochMillis?
    /// When someone first took it (acknowledge, or a step that implies it).
    var acknowledgedAt: EpochMillis?
    /// When someone was first on site.
    var onsiteAt: EpochMillis?
    /// When it was resolved.
    var resolvedAt: EpochMillis?
    /// When it was closed.
    var closedAt: EpochMillis?
    /// Whether the acknowledge deadline has escalated.
    var acknowledgeEscalated: Bool
    /// Whether the on-site deadline has escalated.
    var onsiteEscalated: Bool
    /// Event it was merged into.
    var mergedInto: Int64?
    /// When the last `repeated` (or `raised`) timeline entry was written.
    var repeatLoggedAt: EpochMillis

    /// Readable id of a row id.
    static func readableID(_ rowID: Int64) -> String { "E-\(rowID)" }

    /// Row id of a readable id (`E-1042`, `e-1042`, `1042`), nil when it is not one.
    static func rowID(of readableID: String) -> Int64? {
        var text = Substring(readableID.trimmingWhitespace())
        if let first = text.first, first == "E" || first == "e" {
            text = text.dropFirst()
            if text.first == "-" { text = text.dropFirst() }
        }
        return Int64(text)
    }

    /// Teams as stored: one per line (a line feed within a name becomes a space; empty names are left out).
    /// Written by hand, without Foundation: every new event stores its teams.
    static func encodeTeams(_ teams: [String]) -> String {
        var encoded = ""
        for team in teams where !team.isEmpty {
            if !encoded.isEmpty { encoded.append("\n") }
            if team.utf8.contains(UInt8(ascii: "\n")) {
                // Byte by byte: a "\r\n" pair is one Character, and only its line feed is replaced.
                encoded.append(String(decoding: team.utf8.map { $0 == UInt8(ascii: "\n") ? UInt8(ascii: " ") : $0 }, as: UTF8.self))
            } else {
                encoded.append(team)
            }
        }
        return encoded
    }

    /// Teams from their stored form.
    static func decodeTeams(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init)
    }

    /// Columns read for every event, in the order `init(row:)` expects.
    static let columns = """
    id, rule, event_key, level, initial_level, escalate_to, status, kind, device_id, grp, \
    community, building, unit, address, grid, owner, resident_name, resident_phone, emergency_contact, registered, \
    title, description, teams, assignee, topic, payload, first_seen, last_seen, count, ack_deadline, \
    onsite_deadline, overdue, silenced, updated_at, ack_within_ms, onsite_within_ms, acknowledged_at, onsite_at, resolved_at, closed_at, \
    ack_escalated, onsite_escalated, merged_into, repeat_logged_at, maintenance, occurred_at, latitude, longitude, cause
    """
}

extension StoredEvent {
    /// Reads a row selected with `columns`.
    init(row: SQLiteRow) {
        rowID = row.int64(0)
        let location = EventLocation(
            community: row.text(10), building: row.text(11), unit: row.text(12), address: row.text(13),
            grid: row.text(14), owner: row.text(15), residentName: row.text(16), residentPhone: row.text(17),
            emergencyContact: row.text(18), latitude: row.optionalDouble(46), longitude: row.optionalDouble(47),
            registered: row.bool(19))
        let level = AlertLevel(rawValue: row.text(3)) ?? .red
        record = EventRecord(
            id: Self.readableID(rowID), rule: row.text(1), eventKey: row.text(2), level: level,
            initialLevel: AlertLevel(rawValue: row.text(4)) ?? level,
            escalateTo: row.optionalText(5).flatMap(AlertLevel.init(rawValue:)),
            status: EventStatus(rawValue: row.text(6)) ?? .open, kind: row.text(7), deviceID: row.text(8),
            group: row.text(9), location: location, title: row.text(20), description: row.text(21),
            teams: Self.decodeTeams(row.text(22)), assignee: row.text(23), topic: row.text(24), payload: row.text(25),
            firstSeen: row.int64(26), lastSeen: row.int64(27), count: Int(row.int64(28)),
            ackDeadline: row.optionalInt64(29), onsiteDeadline: row.optionalInt64(30), overdue: row.bool(31),
            silenced: row.bool(32), updatedAt: row.int64(33))
        acknowledgeWithin = row.optionalInt64(34)
        onsiteWithin = row.optionalInt64(35)
        acknowledgedAt = row.optionalInt64(36)
        onsiteAt = row.optionalInt64(37)
        resolvedAt = row.optionalInt64(38)
        closedAt = row.optionalInt64(39)
        acknowledgeEscalated = row.bool(40)
        onsiteEscalated = row.bool(41)
        mergedInto = row.optionalInt64(42)
        repeatLoggedAt = row.int64(43)
        record.maintenance = row.optionalText(44)
        record.occurredAt = row.optionalInt64(45)
        record.cause = row.optionalText(48).flatMap(EventCause.init(rawValue:))
    }
}
