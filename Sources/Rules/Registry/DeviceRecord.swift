/// One row of the operators' device registry (`config/devices.csv`): where a device is and whom it protects.
public struct DeviceRecord: Sendable, Equatable {
    /// Device id as it appears in the topic (`SD-0113`).
    public var id: String
    /// Device kind: `manhole`, `smoke`, `door`, `sos` (or an operator-defined kind).
    public var kind: String
    /// Community id (`c01`).
    public var community: String
    /// Building within the community.
    public var building: String
    /// Unit (entrance/stairwell) within the building.
    public var unit: String
    /// Human-readable address staff can walk to.
    public var address: String
    /// Grid (网格) the device belongs to; names the grid worker's team (`grid-03`).
    public var grid: String
    /// Department that owns the device (water, power, telecom for manholes; property for others).
    public var owner: String
    /// Expected report interval in seconds; nil when the device has none (event-only devices).
    public var reportIntervalSeconds: Int64?
    /// Resident's name, for call buttons and doors of elderly residents.
    public var residentName: String
    /// Resident's phone.
    public var residentPhone: String
    /// Whether the resident lives alone; nil when unknown or not applicable.
    public var livesAlone: Bool?
    /// Emergency contact (name and phone in one field, as operators write it).
    public var emergencyContact: String
    /// Any further CSV columns, by header name, available to rules as `device.<name>`.
    public var extra: [String: String]

    /// Creates a record; only the id is required.
    public init(id: String, kind: String = "", community: String = "", building: String = "", unit: String = "",
                address: String = "", grid: String = "", owner: String = "", reportIntervalSeconds: Int64? = nil,
                residentName: String = "", residentPhone: String = "", livesAlone: Bool? = nil,
                emergencyContact: String = "", extra: [String: String] = [:]) {
        self.id = id
        self.kind = kind
        self.community = community
        self.building = building
        self.unit = unit
        self.address = address
        self.grid = grid
        self.owner = owner
        self.reportIntervalSeconds = reportIntervalSeconds
        self.residentName = residentName
        self.residentPhone = residentPhone
        self.livesAlone = livesAlone
        self.emergencyContact = emergencyContact
        self.extra = extra
    }
}
