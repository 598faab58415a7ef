/// One row of the operators' device registry (`config/devices.csv`): where a device is and whom it protects.
///
/// A value type backed by one shared, immutable object (copying a record is one reference count), so a
/// registry of 1,000,000 devices holds each device once, about 110 bytes plus its longer texts. The fields
/// that few devices differ in (kind, community, building, unit, grid, owner, report interval, lives alone,
/// extra columns) live in a second object that records loaded together share (see `DeviceRecordInterner`).
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
    /// Emergency contact (name and phone in one field, as operators write it).
    public var emergencyContact: String {
        get { storage.emergencyContact }
        set { update { $0.emergencyContact = newValue } }
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
                emergencyContact: String = "", extra: [String: String] = [:]) {
        var interner = DeviceRecordInterner()
        self.init(DeviceRecordFields(
            id: id, kind: kind, community: community, building: building, unit: unit, address: address, grid: grid,
            owner: owner, reportIntervalSeconds: reportIntervalSeconds, residentName: residentName,
            residentPhone: residentPhone, livesAlone: livesAlone, emergencyContact: emergencyContact, extra: extra),
            interner: &interner)
    }

    /// Packs `fields`, sharing equal values with the other records `interner` has seen.
    init(_ fields: DeviceRecordFields, interner: inout DeviceRecordInterner) {
        storage = DeviceRecordStorage(
            id: fields.id, address: fields.address, residentName: fields.residentName,
            residentPhone: fields.residentPhone, emergencyContact: fields.emergencyContact,
            shared: interner.shared(DeviceRecordSharedFields(
                kind: fields.kind, community: fields.community, building: fields.building, unit: fields.unit,
                grid: fields.grid, owner: fields.owner, reportIntervalSeconds: fields.reportIntervalSeconds,
                livesAlone: fields.livesAlone, extra: fields.extra)))
    }

    /// Every field, unpacked.
    var fields: DeviceRecordFields {
        DeviceRecordFields(
            id: id, kind: kind, community: community, building: building, unit: unit, address: address, grid: grid,
            owner: owner, reportIntervalSeconds: reportIntervalSeconds, residentName: residentName,
            residentPhone: residentPhone, livesAlone: livesAlone, emergencyContact: emergencyContact, extra: extra)
    }

    /// Changes fields (a new storage object: others holding this record keep the old values).
    private mutating func update(_ change: (inout DeviceRecordFields) -> Void) {
        var fields = self.fields
        change(&fields)
        var interner = DeviceRecordInterner()
        self = DeviceRecord(fields, interner: &interner)
    }

    /// Records are equal when every field is.
    public static func == (lhs: DeviceRecord, rhs: DeviceRecord) -> Bool {
        lhs.storage === rhs.storage || lhs.storage == rhs.storage
    }
}

/// The fields of a `DeviceRecord` as plain values (building and changing records).
struct DeviceRecordFields: Equatable {
    var id: String
    var kind = ""
    var community = ""
    var building = ""
    var unit = ""
    var address = ""
    var grid = ""
    var owner = ""
    var reportIntervalSeconds: Int64?
    var residentName = ""
    var residentPhone = ""
    var livesAlone: Bool?
    var emergencyContact = ""
    var extra: [String: String] = [:]
}

/// What one record holds for itself: the texts that differ from device to device, and its shared fields.
final class DeviceRecordStorage: Sendable, Equatable {
    let id: String
    let address: String
    let residentName: String
    let residentPhone: String
    let emergencyContact: String
    let shared: DeviceRecordSharedFields

    init(id: String, address: String, residentName: String, residentPhone: String, emergencyContact: String,
         shared: DeviceRecordSharedFields) {
        self.id = id
        self.address = address
        self.residentName = residentName
        self.residentPhone = residentPhone
        self.emergencyContact = emergencyContact
        self.shared = shared
    }

    static func == (lhs: DeviceRecordStorage, rhs: DeviceRecordStorage) -> Bool {
        lhs.id == rhs.id && lhs.address == rhs.address && lhs.residentName == rhs.residentName
            && lhs.residentPhone == rhs.residentPhone && lhs.emergencyContact == rhs.emergencyContact
            && (lhs.shared === rhs.shared || lhs.shared == rhs.shared)
    }
}

/// Fields that a handful of values cover across a whole registry; one object per distinct combination.
final class DeviceRecordSharedFields: Sendable, Hashable {
    let kind: String
    let community: String
    let building: String
    let unit: String
    let grid: String
    let owner: String
    let reportIntervalSeconds: Int64?
    let livesAlone: Bool?
    let extra: [String: String]

    init(kind: String, community: String, building: String, unit: String, grid: String, owner: String,
         reportIntervalSeconds: Int64?, livesAlone: Bool?, extra: [String: String]) {
        self.kind = kind
        self.community = community
        self.building = building
        self.unit = unit
        self.grid = grid
        self.owner = owner
        self.reportIntervalSeconds = reportIntervalSeconds
        self.livesAlone = livesAlone
        self.extra = extra
    }

    /// Equal when every field has the same UTF-8 bytes (interning wants exact copies, and comparing bytes
    /// avoids the Unicode normalisation of `String ==` for the Chinese texts registries hold).
    static func == (lhs: DeviceRecordSharedFields, rhs: DeviceRecordSharedFields) -> Bool {
        lhs.kind.hasSameUTF8(as: rhs.kind) && lhs.community.hasSameUTF8(as: rhs.community)
            && lhs.building.hasSameUTF8(as: rhs.building) && lhs.unit.hasSameUTF8(as: rhs.unit)
            && lhs.grid.hasSameUTF8(as: rhs.grid) && lhs.owner.hasSameUTF8(as: rhs.owner)
            && lhs.reportIntervalSeconds == rhs.reportIntervalSeconds && lhs.livesAlone == rhs.livesAlone && lhs.extra == rhs.extra
    }

    func hash(into hasher: inout Hasher) {
        for text in [kind, community, building, unit, grid, owner] {
            UTF8Text(text).hash(into: &hasher)
            hasher.combine(0xFF as UInt8)
        }
        hasher.combine(reportIntervalSeconds)
        hasher.combine(livesAlone)
        hasher.combine(extra.count)
    }
}

/// Shares equal values between the records of one registry while it is built: one shared-fields object per
/// distinct combination of kind, community, building, unit, grid, owner, report interval, lives alone and
/// extra columns. (Texts that differ from device to device are not interned: sharing the addresses of flats
/// saved about 40 bytes per device at 1,000,000 devices but cost about 1.5 s of start-up.)
struct DeviceRecordInterner {
    private var sharedFields: Set<DeviceRecordSharedFields> = []

    /// The object equal to `fields` seen first.
    mutating func shared(_ fields: DeviceRecordSharedFields) -> DeviceRecordSharedFields {
        sharedFields.insert(fields).memberAfterInsert
    }
}

/// A text hashed and compared by its UTF-8 bytes (no Unicode normalisation: exact copies only).
struct UTF8Text: Hashable {
    let text: String

    init(_ text: String) { self.text = text }

    static func == (lhs: UTF8Text, rhs: UTF8Text) -> Bool { lhs.text.hasSameUTF8(as: rhs.text) }

    func hash(into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

extension String {
    /// Whether both texts have exactly the same UTF-8 bytes (no Unicode normalisation, unlike `==`).
    func hasSameUTF8(as other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        var lhs = self, rhs = other
        return lhs.withUTF8 { a in rhs.withUTF8 { b in a.elementsEqual(b) } }
    }
}
