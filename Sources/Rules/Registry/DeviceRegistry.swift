/// The device registry: every known device by id. Immutable once built; a reload builds a new one.
public struct DeviceRegistry: Sendable {
    /// Devices by id.
    public private(set) var devices: [String: DeviceRecord]
    /// Names of the extra columns (`DeviceRecord.extra` keys) of any device, for checking `device.<name>`.
    public private(set) var extraColumns: Set<String>
    /// A digest of the CSV bytes the registry was read from (nil when built from records): equal bytes give
    /// an equal registry, so a caller can tell an unchanged registry file in one pass over its bytes.
    public internal(set) var sourceDigest: String?
    /// Kinds of the devices that name a resident id (`resident_id`), for checking rules `absent … by resident`.
    public internal(set) var residentKinds: Set<String> = []
    /// Problems the registry is used with anyway (a malformed emergency phone: the device stays, without it).
    public internal(set) var warnings: [DeviceRegistryIssue] = []

    /// Creates a registry from records; a later record with the same id replaces an earlier one.
    public init(_ records: [DeviceRecord] = []) {
        var devices: [String: DeviceRecord] = [:]
        devices.reserveCapacity(records.count)
        for record in records { devices[record.id] = record }
        self.devices = devices
        extraColumns = []
        for record in devices.values {
            if !record.extra.isEmpty { extraColumns.formUnion(record.extra.keys) }
            if !record.residentID.isEmpty { residentKinds.insert(record.kind) }
        }
    }

    /// Creates a registry from records already keyed by id, whose extra columns are `extraColumns`.
    init(devices: [String: DeviceRecord], extraColumns: Set<String>) {
        self.devices = devices
        self.extraColumns = extraColumns
    }

    /// The record for `id`, or nil when the device is not registered.
    public subscript(id: String) -> DeviceRecord? { devices[id] }

    /// Number of registered devices.
    public var count: Int { devices.count }
}
