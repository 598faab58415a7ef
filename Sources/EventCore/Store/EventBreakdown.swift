import Vocabulary

/// The events of one group of a breakdown (a community, a kind, a building …) and what staff said caused them.
public struct CauseCounts: Sendable, Equatable, Codable {
    /// The group's id (community, grid, building, team, kind or rule; "" for events without one).
    public var key: String
    /// For a building, its community (building names repeat across communities); nil otherwise.
    public var community: String?
    /// Events first raised in the period.
    public var events: Int
    /// Of them, per cause (`EventCause` raw value) those resolved with it.
    public var byCause: [String: Int]

    /// Creates an empty group.
    public init(key: String, community: String? = nil) {
        self.key = key
        self.community = community
        events = 0
        byCause = [:]
    }

    /// Events resolved with a cause: what the rates are shares of.
    public var classified: Int { byCause.values.reduce(0, +) }

    /// Events resolved with `cause`.
    public func count(_ cause: EventCause) -> Int { byCause[cause.rawValue] ?? 0 }

    /// The share of the classified events that had `cause`; nil when none was classified.
    public func rate(_ cause: EventCause) -> Double? {
        let classified = classified
        return classified == 0 ? nil : Double(count(cause)) / Double(classified)
    }

    /// Adds `events` events with `cause` ("" : none recorded).
    mutating func add(_ events: Int, cause: String) {
        self.events += events
        if !cause.isEmpty { byCause[cause, default: 0] += events }
    }
}

/// A device with nuisance or false alarms in the period: which detector to move or replace.
public struct DeviceCauses: Sendable, Equatable, Codable {
    /// Device id.
    public var deviceID: String
    /// Its kind, community and building (from the devices mirror, else from its events).
    public var kind: String
    /// Community.
    public var community: String
    /// Building.
    public var building: String
    /// Its events of the period resolved with any cause.
    public var classified: Int
    /// Of them, nuisance alarms.
    public var nuisance: Int
    /// Of them, false alarms (device faults).
    public var falseAlarms: Int
}

/// A device the daemon counts offline, and since when it was last heard.
public struct OfflineDevice: Sendable, Equatable, Codable {
    /// Device id.
    public var deviceID: String
    /// Kind.
    public var kind: String
    /// Community.
    public var community: String
    /// Building.
    public var building: String
    /// Last heard.
    public var lastSeen: EpochMillis
}

/// The breakdowns of `lookout stats` and the monthly report: the period's events per community, grid, building,
/// team, kind and rule with their causes, the devices with the most nuisance and false alarms, and the devices
/// offline longest.
public struct EventBreakdown: Sendable, Equatable, Codable {
    /// Start of the period (inclusive).
    public var since: EpochMillis
    /// End of the period (exclusive).
    public var until: EpochMillis
    /// All events of the period.
    public var total: CauseCounts
    /// Per community.
    public var byCommunity: [CauseCounts]
    /// Per grid.
    public var byGrid: [CauseCounts]
    /// Per building (with its community).
    public var byBuilding: [CauseCounts]
    /// Per team (an event with several teams counts for each).
    public var byTeam: [CauseCounts]
    /// Per device kind.
    public var byKind: [CauseCounts]
    /// Per rule.
    public var byRule: [CauseCounts]
    /// Devices with the most nuisance and false alarms, most first.
    public var devices: [DeviceCauses]
    /// Devices offline now, longest first.
    public var offline: [OfflineDevice]
}
