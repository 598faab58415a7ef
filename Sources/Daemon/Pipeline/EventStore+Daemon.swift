import EventCore
import Foundation
import Rules
import Vocabulary

/// What the daemon adds on top of the event core: registry mirroring, status counts, hand-off topics.
extension EventStore {
    /// Writes the registry into the devices mirror for `lookout devices`, unless the mirror was last made
    /// from the same registry (same fingerprint): then nothing is read or written beyond the fingerprint.
    /// One transaction; `RegistryMirrorService` writes a large registry in several from a thread of its own.
    /// Returns whether it mirrored.
    @discardableResult
    func mirrorRegistry(_ registry: DeviceRegistry, at: EpochMillis) throws -> Bool {
        let fingerprint = RegistryMirrorFingerprint.of(registry)
        guard try registryMirrorFingerprint() != fingerprint else { return false }
        try mirrorRegistry(Self.mirrorRows(of: registry), at: at, fingerprint: fingerprint)
        return true
    }

    /// The devices mirror's rows for `registry`, in id order (the table's key, so SQLite appends instead of
    /// splitting pages all over); the ids are compared inline (16-byte values, not records behind a pointer
    /// each), each entry sorted with its record (no look-up by id afterwards).
    static func mirrorRows(of registry: DeviceRegistry) -> [DeviceState] {
        registry.devices.sorted { $0.key < $1.key }.map { entry in
            let record = entry.value
            var row = DeviceState(id: record.id, kind: record.kind, community: record.community, building: record.building,
                               unit: record.unit, address: record.address, grid: record.grid, owner: record.owner,
                               residentName: record.residentName, reportIntervalSeconds: record.reportIntervalSeconds,
                               latitude: record.latitude, longitude: record.longitude, registered: true)
            row.residentID = record.residentID
            return row
        }
    }

    /// Open events by level, and how many of them are past a deadline at `now` that nobody has met yet (all levels, and
    /// red ones): an event acknowledged late is no longer overdue for its acknowledgement, only for a missed on-site
    /// deadline. (The event's own `overdue` mark records that it ever missed one, for the statistics.)
    func openEventSummary(now: EpochMillis) throws -> (byLevel: [AlertLevel: Int], overdue: Int, overdueRed: Int) {
        var filter = EventFilter()
        filter.limit = Int(Int32.max)
        var byLevel: [AlertLevel: Int] = [:]
        var overdue = 0
        var overdueRed = 0
        for event in try events(filter) {
            byLevel[event.level, default: 0] += 1
            let ackMissed = event.status == .open && (event.ackDeadline.map { $0 <= now } ?? false)
            let onsiteMissed = ![.onsite, .resolved, .closed].contains(event.status) && (event.onsiteDeadline.map { $0 <= now } ?? false)
            guard event.overdue, ackMissed || onsiteMissed else { continue }
            overdue += 1
            if event.level == .red { overdueRed += 1 }
        }
        return (byLevel, overdue, overdueRed)
    }
}

extension OutboxMessage {
    /// The hand-off topic for this change: `pattern` with `{level}`, `{id}`, `{action}`, `{community}`,
    /// `{kind}` replaced (values that are not valid topic levels become `_`).
    func handoffTopic(pattern: String) -> String {
        let event = change.event
        let values = ["level": event.level.rawValue, "id": event.id, "action": change.action,
                      "community": event.location.community, "kind": event.kind]
        var topic = pattern
        for (name, value) in values {
            let safe = value.isEmpty || value.contains(where: { "/+#\0".contains($0) }) ? "_" : value
            topic = topic.replacingOccurrences(of: "{\(name)}", with: safe)
        }
        return topic
    }
}
