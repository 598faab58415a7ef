/// One row of the operators' device registry (`config/devices.csv`): where a device is and whom it protects.
///
/// A value type backed by one shared, immutable object (copying a record is one reference count), so a
/// registry of 1,000,000 devices holds each device once, about 126 bytes (110 before the coordinates) plus its longer texts. The fields
/// that few devices differ in (kind, community, building, unit, grid, owner, report interval, lives alone,
/// resident id, extra columns) live in a second object that records loaded together share (see `DeviceRecordInterner`).
public struct DeviceRecord: Sendable, Equatable {
    /// The packed fields.
    private var storage: DeviceRecordStorage

    /// Device id as it appears in the topic (`SD-0113`).
    public var id: String {
        get { storage.id }
        set { update { $0.id = newValue } }
    }
    /// Device kind: `manhole`, `smoke`, `door`, `sos` (or an operator-defined kind).
    public var kind: String {
        get { storage.shared.kind }
        set { update { $0.kind = newValue } }
    }
    /// Community id (`c01`).
    public var community: String {
        get { storage.shared.community }
        set { update { $0.community = newValue } }
    }
    /// Building within the community.
    public var building: String {
        get { storage.shared.building }
        set { update { $0.building = newValue } }
    }
    /// Unit (entrance/stairwell) within the building.
    public var unit: String {
        get { storage.shared.unit }
        set { update { $0.unit = newValue } }
    }
    /// Human-readable address staff can walk to.
    public var address: String {
        get { storage.address }
        set { update { $0.address = newValue } }
    }
    /// Grid (网格) the device belongs to; names the grid worker's team (`grid-03`).
    public var grid: String {
        get { storage.shared.grid }
        set { update { $0.grid = newValue } }
    }
    /// Department that owns the device (water, power, telecom for manholes; property for others).
    public var owner: String {
        get { storage.shared.owner }
        set { update { $0.owner = newValue } }
    }
    /// Expected report interval in seconds; nil when the device has none (event-only devices).
    public var reportIntervalSeconds: Int64? {
        get { storage.shared.reportIntervalSeconds }
        set { update { $0.reportIntervalSeconds = newValue } }
    }
    /// Resident's name, for call buttons and doors of elderly residents.
    public var residentName: String {
        get { storage.residentName }
        set { update { $0.residentName = newValue } }
    }
    /// Resident's phone.
    public var residentPhone: String {
        get { storage.residentPhone }
        set { update { $0.residentPhone = newValue } }
    }
    /// Whether the resident lives alone; nil when unknown or not applicable.
    public var livesAlone: Bool? {
        get { storage.shared.livesAlone }
        set { update { $0.livesAlone = newValue } }
    }
    /// The resident's id (`R-0001`): the devices of one person (door, call button) share it, and absence rules
    /// `by resident` key on it. Empty when the registry names none: the device is then its own resident (two
    /// residents are never merged by name).
    public var residentID: String {
        get { storage.shared.residentID }
        set { update { $0.residentID = newValue } }
    }
    /// Emergency contact (name and phone in one field, as operators write it).
    public var emergencyContact: String {
        get { storage.emergencyContact }
        set { update { $0.emergencyContact = newValue } }
    }
    /// The emergency contact's phone, structured (`emergency_phone`): where the `emergency-contact` notifier
    /// calls or texts; empty when not registered.
    public var emergencyPhone: String {
        get { storage.emergencyPhone }
        set { update { $0.emergencyPhone = newValue } }
    }
    /// Where the device is, in decimal degrees north (`latitude`, -90 to 90); nil when the registry gives none.
    public var latitude: Double? {
        get { storage.latitude.isNaN ? nil : storage.latitude }
        set { update { $0.latitude = newValue } }
    }
    /// Where the device is, in decimal degrees east (`longitude`, -180 to 180); nil when the registry gives none.
    public var longitude: Double? {
        get { storage.longitude.isNaN ? nil : storage.longitude }
        set { update { $0.longitude = newValue } }
    }
    /// Any further CSV columns, by header name, available to rules as `device.<name>`.
    public var extra: [String: String] {
        get { storage.shared.extra }
        set { update { $0.extra = newValue } }
    }

    /// Creates a record; only the id is required.
    public init(id: String, kind: String = "", community: String = "", building: String = "", unit: String = "",
                address: String = "", grid: String = "", owner: String = "", reportIntervalSeconds: Int64? = nil,
                residentName: String = "", residentPhone: String = "", livesAlone: Bool? = nil,
                emergencyContact: String = "", emergencyPhone: String = "", extra: [String: String] = [:], residentID: String = "",
                latitude: Double? = nil, longitude: Double? = nil) {
        var interner = DeviceRecordInterner()
        self.init(DeviceRecordFields(
            id: id, kind: kind, community: community, building: building, unit: unit, address: address, grid: grid,
            owner: owner, reportIntervalSeconds: reportIntervalSeconds, residentName: residentName,
            residentPhone: residentPhone, livesAlone: livesAlone, emergencyContact: emergencyContact,
            emergencyPhone: emergencyPhone, extra: extra, residentID: residentID, latitude: latitude, longitude: longitude),
            interner: &interner)
    }

    /// Packs `fields`, sharing equal values with the other records `interner` has seen.
    init(_ fields: DeviceRecordFields, interner: inout DeviceRecordInterner) {
        self.init(
            id: fields.id, address: fields.address, residentName: fields.residentName,
            residentPhone: fields.residentPhone, emergencyContact: fields.emergencyContact,
            emergencyPhone: fields.emergencyPhone, latitude: fields.latitude, longitude: fields.longitude, shared: interner.shared(DeviceRecordSharedFields(
                kind: fields.kind, community: fields.community, building: fields.building, unit: fields.unit,
                grid: fields.grid, owner: fields.owner, reportIntervalSeconds: fields.reportIntervalSeconds,
                livesAlone: fields.livesAlone, extra: fields.extra, residentID: fields.residentID)))
    }

    /// A record of the texts that differ from device to device and shared fields from a `DeviceRecordInterner`.
    init(id: String, address: String, residentName: String, residentPhone: String, emergencyContact: String,
         emergencyPhone: String = "", latitude: Double? = nil, longitude: Double? = nil, shared: DeviceRecordSharedFields) {
        storage = DeviceRecordStorage(id: id, address: address, residentName: residentName, residentPhone: residentPhone,
                                      emergencyContact: emergencyContact, emergencyPhone: emergencyPhone,
                                      latitude: latitude, longitude: longitude, shared: shared)
    }

    /// Every field, unpacked.
    var fields: DeviceRecordFields {
        DeviceRecordFields(
            id: id, kind: kind, community: community, building: building, unit: unit, address: address, grid: grid,
            owner: owner, reportIntervalSeconds: reportIntervalSeconds, residentName: residentName,
            residentPhone: residentPhone, livesAlone: livesAlone, emergencyContact: emergencyContact,
            emergencyPhone: emergencyPhone, extra: extra, residentID: residentID, latitude: latitude, longitude: longitude)
    }

    /// Changes fields (a new storage object: others holding this record keep the old values).
    private mutating func update(_ change: (inout DeviceRecordFields) -> Void) {
        var fields = self.fields
        change(&fields)
        var interner = DeviceRecordInterner()
        self = DeviceRecord(fields, interner: &interner)
    }

    /// The key absence rules `by resident` count this device's person under: the resident id, else the
    /// device's own id (never the resident's name).
    public var residentKey: String { residentID.isEmpty ? id : residentID }

    /// Records are equal when every field is.
    public static func == (lhs: DeviceRecord, rhs: DeviceRecord) -> Bool {
        lhs.storage === rhs.storage || lhs.storage == rhs.storage
    }
}
