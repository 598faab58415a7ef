import EventCore
import FoundationEssentials
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
            topic = topic.replacing("{\(name)}", with: safe)
        }
        return topic
    }
}
