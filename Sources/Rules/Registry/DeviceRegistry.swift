/// The device registry: every known device by id. Immutable once built; a reload builds a new one.
public struct DeviceRegistry: Sendable {
    /// Devices by id.
    public private(set) var devices: [String: DeviceRecord]

    /// Creates a registry from records; a later record with the same id replaces an earlier one.
    public init(_ records: [DeviceRecord] = []) {
        var devices: [String: DeviceRecord] = [:]
        devices.reserveCapacity(records.count)
        for record in records { devices[record.id] = record }
        self.devices = devices
    }

    /// Creates a registry from records already keyed by id.
    init(devices: [String: DeviceRecord]) {
        self.devices = devices
    }

    /// The record for `id`, or nil when the device is not registered.
    public subscript(id: String) -> DeviceRecord? { devices[id] }

    /// Number of registered devices.
    public var count: Int { devices.count }
}
