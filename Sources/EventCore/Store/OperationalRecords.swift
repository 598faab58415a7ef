/// A rejected message kept for inspection (`lookout rejects`): malformed or impossible device data.
public struct RejectedMessage: Sendable, Equatable {
    /// When it arrived.
    public var at: Millis
    /// Why it was rejected (a short, stable reason code such as `bad_json`).
    public var reason: String
    /// Topic it arrived on.
    public var topic: String
    /// The start of the payload, decoded leniently as UTF-8 (not sanitised: sanitise before printing).
    public var payloadExcerpt: String

    /// Creates a sample, keeping at most `excerptBytes` bytes of the payload.
    public init(at: Millis, reason: String, topic: String, payload: [UInt8], excerptBytes: Int = 512) {
        self.at = at
        self.reason = reason
        self.topic = topic
        self.payloadExcerpt = String(decoding: payload.prefix(max(excerptBytes, 0)), as: UTF8.self)
    }

    /// Creates a sample from stored parts.
    public init(at: Millis, reason: String, topic: String, payloadExcerpt: String) {
        self.at = at
        self.reason = reason
        self.topic = topic
        self.payloadExcerpt = payloadExcerpt
    }
}

/// How many messages were rejected for one reason.
public struct RejectCount: Sendable, Equatable {
    /// Reason code.
    public var reason: String
    /// Messages rejected for it, ever.
    public var count: Int64
    /// When the last one arrived.
    public var lastAt: Millis
}

/// What the daemon last wrote about itself (`lookout status`).
public struct DaemonStatusSnapshot: Sendable, Equatable {
    /// Key/value pairs as written by the daemon (`pid`, `started_at`, `mqtt`, `messages_per_s`, …).
    public var values: [String: String]
    /// When they were written; nil when the daemon never wrote any.
    public var updatedAt: Millis?
}

/// A device as `lookout devices` shows it: the registry mirror plus what the daemon saw.
public struct DeviceState: Sendable, Equatable {
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
    /// Expected report interval in seconds, if known.
    public var reportIntervalSeconds: Int64?
    /// Whether it is in the registry (false: seen on MQTT but unknown).
    public var registered: Bool
    /// Last message, if any.
    public var lastSeen: Millis?
    /// Last known online state, nil when unknown.
    public var online: Bool?
    /// Last reported battery, percent.
    public var batteryPercent: Double?

    /// Creates a device entry (registry fields; activity fields default to unknown).
    public init(id: String, kind: String = "", community: String = "", building: String = "", unit: String = "",
                address: String = "", grid: String = "", owner: String = "", residentName: String = "",
                reportIntervalSeconds: Int64? = nil, registered: Bool = true, lastSeen: Millis? = nil,
                online: Bool? = nil, batteryPercent: Double? = nil) {
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
        self.registered = registered
        self.lastSeen = lastSeen
        self.online = online
        self.batteryPercent = batteryPercent
    }
}

/// One message's worth of device activity, written by the daemon in batches.
public struct DeviceActivity: Sendable, Equatable {
    /// Device id.
    public var deviceID: String
    /// Kind, for devices not in the registry ("" leaves it unchanged).
    public var kind: String
    /// When the message arrived.
    public var at: Millis
    /// Online state if the message said so.
    public var online: Bool?
    /// Battery if the message reported it.
    public var batteryPercent: Double?

    /// Creates an activity record.
    public init(deviceID: String, kind: String = "", at: Millis, online: Bool? = nil, batteryPercent: Double? = nil) {
        self.deviceID = deviceID
        self.kind = kind
        self.at = at
        self.online = online
        self.batteryPercent = batteryPercent
    }
}

/// A resident's (or device's) "away" note: absence rules stay quiet until it ends.
public struct AwayNote: Sendable, Equatable {
    /// Id (for `removeAwayNote(id:)`).
    public var id: Int64
    /// Resident name or device id the note is about.
    public var subject: String
    /// When it was added.
    public var createdAt: Millis
    /// When it ends.
    public var until: Millis
    /// Why (hospital, visiting family).
    public var reason: String
    /// Who added it.
    public var actor: String
}
