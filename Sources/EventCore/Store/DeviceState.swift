import Vocabulary

/// A device as `lookout devices` shows it: the registry mirror plus what the daemon saw.
public struct DeviceState: Sendable, Equatable, Codable {
    /// Device id.
    public var id: String
    /// Kind (`smoke`, …).
    public var kind: String
    /// Community id.
    public var community: String
    /// Building.
    public var building: String
    /// Unit.
    public var unit: String
    /// Address.
    public var address: String
    /// Grid.
    public var grid: String
    /// Owning department.
    public var owner: String
    /// Resident's name, if any.
    public var residentName: String
    /// The registry's resident id (`R-0001`), "" when the registry gives none.
    public var residentID: String = ""
    /// Expected report interval in seconds, if known.
    public var reportIntervalSeconds: Int64?
    /// Latitude in decimal degrees, if the registry gives it.
    public var latitude: Double?
    /// Longitude in decimal degrees, if the registry gives it.
    public var longitude: Double?
    /// Whether it is in the registry (false: seen on MQTT but unknown).
    public var registered: Bool
    /// Last message, if any.
    public var lastSeen: EpochMillis?
    /// Last known online state, nil when unknown.
    public var online: Bool?
    /// Last reported battery, percent.
    public var batteryPercent: Double?
    /// Messages of the device rejected, ever (`lookout rejects` has the samples).
    public var rejected: Int64 = 0
    /// When the last of them arrived, nil when none.
    public var lastRejectAt: EpochMillis?
    /// Why the last of them was rejected (a reject reason code), "" when none.
    public var lastRejectReason: String = ""

    /// Creates a device entry (registry fields; activity fields default to unknown).
    public init(id: String, kind: String = "", community: String = "", building: String = "", unit: String = "",
                address: String = "", grid: String = "", owner: String = "", residentName: String = "",
                reportIntervalSeconds: Int64? = nil, latitude: Double? = nil, longitude: Double? = nil,
                registered: Bool = true, lastSeen: EpochMillis? = nil, online: Bool? = nil, batteryPercent: Double? = nil) {
        self.id = id
        self.kind = kind
        self.community = community
        self.building = building
        self.unit = unit
        self.address = address
        self.grid = grid
        self.owner = owner
        self.residentName = residentName
        self.reportIntervalSeconds = reportIntervalSeconds
        self.latitude = latitude
        self.longitude = longitude
        self.registered = registered
        self.lastSeen = lastSeen
        self.online = online
        self.batteryPercent = batteryPercent
    }

    /// Whether it has been silent beyond twice its report interval at `now` (heard from before, with an interval):
    /// `lookout devices` and `lookout handover` count such a device as down.
    public func isSilent(now: EpochMillis) -> Bool {
        guard let lastSeen, let interval = reportIntervalSeconds, interval > 0 else { return false }
        return now - lastSeen > 2 * interval * 1000
    }
}

/// One message's worth of device activity, written by the daemon in batches.
public struct DeviceActivity: Sendable, Equatable {
    /// Device id.
    public var deviceID: String
    /// Kind, for devices not in the registry ("" leaves it unchanged).
    public var kind: String
    /// When the device was last heard from (a message that was not rejected); 0: not in this activity.
    public var at: EpochMillis
    /// Online state if the message said so.
    public var online: Bool?
    /// Battery if the message reported it.
    public var batteryPercent: Double?
    /// Rejected messages of the device since the last write (they do not count as heard from: the topic of a
    /// rejected message may be anyone's).
    public var rejected: Int64 = 0
    /// When the last of them arrived (0: none).
    public var lastRejectAt: EpochMillis = 0
    /// Its reject reason.
    public var lastRejectReason: String = ""

    /// Creates an activity record.
    public init(deviceID: String, kind: String = "", at: EpochMillis, online: Bool? = nil, batteryPercent: Double? = nil) {
        self.deviceID = deviceID
        self.kind = kind
        self.at = at
        self.online = online
        self.batteryPercent = batteryPercent
    }
}
