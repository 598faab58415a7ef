import Rules

/// A digest of the registry fields the devices table mirrors, so that lookoutd mirrors a registry only when
/// it changed (see `EventStore.mirrorRegistry(_:at:fingerprint:)`).
///
/// One pass, no sorting: each record's fields go through 64-bit FNV-1a (with a separator byte after each
/// field) and a final mix, and the per-record digests are added, so the order of the registry's dictionary
/// does not matter. With the device count and a format version in front, as text: `v1:<count>:<hex>`.
enum RegistryMirrorFingerprint {
    /// The fingerprint of `registry`.
    static func of(_ registry: DeviceRegistry) -> String {
        var sum: UInt64 = 0
        for record in registry.devices.values { sum &+= digest(of: record) }
        return "v1:\(registry.count):\(String(sum, radix: 16))"
    }

    /// The mixed FNV-1a digest of the mirrored fields of one record.
    private static func digest(of record: DeviceRecord) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func add(_ text: String) {
            for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            hash = (hash ^ 0x1F) &* 0x100_0000_01b3
        }
        for text in [record.id, record.kind, record.community, record.building, record.unit, record.address,
                     record.grid, record.owner, record.residentName] { add(text) }
        add(record.reportIntervalSeconds.map { String($0) } ?? "")
        // splitmix64's finaliser: spreads every input bit over the whole word before the digests are added.
        hash ^= hash >> 30
        hash &*= 0xbf58_476d_1ce4_e5b9
        hash ^= hash >> 27
        hash &*= 0x94d0_49bb_1331_11eb
        hash ^= hash >> 31
        return hash
    }
}
