/// The topic channels of docs/domain.md.
public enum SimulatedChannel: String, Sendable {
    /// Periodic readings and heartbeats.
    case telemetry
    /// Something happened.
    case event
    /// Retained online/offline (also the last will).
    case status
}

/// One simulated device and its registry row.
public struct SimulatedDevice: Sendable, Equatable {
    /// Device id as it appears in the topic.
    public var id: String
    /// Kind.
    public var kind: SimulatedDeviceKind
    /// Community id (`c01`).
    public var community: String
    /// Building (`3`).
    public var building: String
    /// Unit within the building (`2`).
    public var unit: String
    /// Address staff can walk to.
    public var address: String
    /// Grid (`grid-02`).
    public var grid: String
    /// Owning department.
    public var owner: String
    /// Expected report interval in seconds, nil for event-only devices.
    public var reportIntervalSeconds: Int?
    /// Resident's name (call buttons and doors of elderly residents), else empty.
    public var residentName: String
    /// Resident's phone, else empty.
    public var residentPhone: String
    /// Whether the resident lives alone; nil when not applicable.
    public var livesAlone: Bool?
    /// Emergency contact, else empty.
    public var emergencyContact: String

    /// `{community}/{kind}/{device}/{channel}`.
    public func topic(_ channel: SimulatedChannel) -> String {
        "\(community)/\(kind.rawValue)/\(id)/\(channel.rawValue)"
    }
}
