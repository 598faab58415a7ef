import Rules

/// A digest of the registry fields the devices table mirrors, so that lookoutd mirrors a registry only when
/// it changed (see `EventStore.mirrorRegistry(_:at:fingerprint:)`).
///
/// One pass, no sorting: each record's fields go through a 64-bit multiply-xorshift hash (eight bytes at a
/// time, each field closed by its length) and a final mix, and the per-record digests are added, so the
/// order of the registry's dictionary does not matter. With the device count and a format version in front,
/// as text: `v1:<count>:<hex>`.
enum RegistryMirrorFingerprint {
    /// The fingerprint of `registry`: the digest of its CSV file when it was read from one (any change of the
    /// file then counts, mirrored fields or not), else the digest of its records.
    static func of(_ registry: DeviceRegistry) -> String {
        if let sourceDigest = registry.sourceDigest { return sourceDigest }
        var sum: UInt64 = 0
        for record in registry.devices.values { sum &+= digest(of: record) }
        return "v1:\(registry.count):\(String(sum, radix: 16))"
    }

    /// The mixed digest of the mirrored fields of one record.
    private static func digest(of record: DeviceRecord) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for text in [record.id, record.kind, record.community, record.building, record.unit, record.address,
                     record.grid, record.owner, record.residentName, record.residentID] { add(text, to: &hash) }
        add(record.reportIntervalSeconds.map { String($0) } ?? "", to: &hash)
        for coordinate in [record.latitude, record.longitude] { add(coordinate.map { String($0) } ?? "", to: &hash) }
        return mixed(hash)
    }

    /// Folds `text` and a separator into `hash`, eight bytes at a time.
    private static func add(_ text: String, to hash: inout UInt64) {
        var text = text
        text.withUTF8 { bytes in
            var word: UInt64 = 0
            var filled: UInt64 = 0
            for byte in bytes {
                word |= UInt64(byte) << filled
                filled += 8
                if filled == 64 {
                    hash = (hash ^ word) &* 0x100_0000_01b3
                    hash ^= hash >> 32
                    word = 0
                    filled = 0
                }
            }
            // The length ends every field, so "ab" + "c" and "a" + "bc" differ.
            hash = (hash ^ word ^ (UInt64(bytes.count) << 56)) &* 0x100_0000_01b3
            hash ^= hash >> 32
        }
    }

    /// splitmix64's finaliser: spreads every input bit over the whole word before the digests are added.
    private static func mixed(_ value: UInt64) -> UInt64 {
        var hash = value
        hash ^= hash >> 30
        hash &*= 0xbf58_476d_1ce4_e5b9
        hash ^= hash >> 27
        hash &*= 0x94d0_49bb_1331_11eb
        hash ^= hash >> 31
        return hash
    }
}
