import Vocabulary

/// What a silence covers: every field that is set must match the event (device, place, device kind, rule).
/// `SilenceScope.building(community: "c01", building: "3").kind("smoke")` is the smoke detectors of building 3.
public struct SilenceScope: Sendable, Equatable, Hashable, Codable {
    /// Community id; empty: any.
    public var community: String = ""
    /// Building within `community`; empty: any.
    public var building: String = ""
    /// One device; empty: any.
    public var deviceID: String = ""
    /// Device kind (`smoke`, `sos`, …); empty: any.
    public var kind: String = ""
    /// Rule name; empty: any.
    public var rule: String = ""

    /// Creates a scope from its parts (empty fields do not narrow it).
    public init(community: String = "", building: String = "", deviceID: String = "", kind: String = "", rule: String = "") {
        self.community = community
        self.building = building
        self.deviceID = deviceID
        self.kind = kind
        self.rule = rule
    }

    /// One device.
    public static func device(_ id: String) -> SilenceScope { SilenceScope(deviceID: id) }
    /// One building of a community.
    public static func building(community: String, building: String) -> SilenceScope {
        SilenceScope(community: community, building: building)
    }
    /// A whole community.
    public static func community(_ community: String) -> SilenceScope { SilenceScope(community: community) }
    /// Every device of a kind (narrow it with a place: `.community("c01").kind("smoke")`).
    public static func kind(_ kind: String) -> SilenceScope { SilenceScope(kind: kind) }
    /// Every event of a rule.
    public static func rule(_ rule: String) -> SilenceScope { SilenceScope(rule: rule) }

    /// This scope narrowed to a device kind.
    public func kind(_ kind: String) -> SilenceScope {
        var scope = self
        scope.kind = kind
        return scope
    }

    /// This scope narrowed to a rule.
    public func rule(_ rule: String) -> SilenceScope {
        var scope = self
        scope.rule = rule
        return scope
    }

    /// Whether no field is set (it would cover everything: refused).
    public var isEmpty: Bool { community.isEmpty && building.isEmpty && deviceID.isEmpty && kind.isEmpty && rule.isEmpty }

    /// Whether it covers a whole community or more: no device and no building (a kind or rule alone counts
    /// as every community).
    public var coversWholeCommunity: Bool { deviceID.isEmpty && building.isEmpty }

    /// The broadest place it names, for the `scope` column (`device`, `building`, `community`, `kind`, `rule`).
    var label: String {
        if !deviceID.isEmpty { return "device" }
        if !building.isEmpty { return "building" }
        if !community.isEmpty { return "community" }
        return kind.isEmpty ? "rule" : "kind"
    }
}

/// A maintenance silence: events it covers are still recorded, marked silenced, not alerted, until it ends;
/// red events of `life_safety` rules are never hidden (shown, marked "during maintenance").
public struct Silence: Sendable, Equatable, Codable {
    /// Id (for `removeSilence(id:)`).
    public var id: Int64
    /// What it covers.
    public var scope: SilenceScope
    /// When it was added.
    public var createdAt: EpochMillis
    /// When it ends.
    public var until: EpochMillis
    /// Why (on the record).
    public var reason: String
    /// Who added it.
    public var actor: String
}

/// What a silence in force is holding back right now (`lookout silence list`).
public struct SilenceHold: Sendable, Equatable, Codable {
    /// The silence.
    public var silence: Silence
    /// Events it hides now (still open, or cleared and not yet closed), oldest first.
    public var hiddenEvents: [EventRecord]
    /// Red events of life-safety rules raised under it: shown, not hidden, oldest first.
    public var shownEvents: [EventRecord]
    /// Registered devices it covers (for a rule-only scope: every registered device).
    public var devices: Int
}

/// Limits on new silences: a silence longer than `maximumMillis`, or one covering a whole community, needs
/// `force`; one that covers no registered device is refused.
public struct SilencePolicy: Sendable, Equatable {
    /// Longest silence without `force` (`[silences] max_duration`, default 24 h).
    public var maximumMillis: EpochMillis = 24 * 3_600_000
    /// Rules the daemon has loaded; nil when unknown (then a rule scope is not checked by name).
    public var knownRules: Set<String>?
    /// Creates a policy.
    public init(maximumMillis: EpochMillis = 24 * 3_600_000, knownRules: Set<String>? = nil) {
        self.maximumMillis = maximumMillis
        self.knownRules = knownRules
    }
}

/// Why a new silence was refused.
public enum SilenceRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// No field set: it would silence everything.
    case emptyScope
    /// It covers no registered device (a misspelt id or place), or names a rule that is not loaded.
    case coversNothing(String)
    /// It needs `--force`, for these reasons.
    case needsForce([String])

    /// One line for a terminal.
    public var description: String {
        switch self {
        case .emptyScope: return "a silence needs a device, building, community, kind or rule"
        case .coversNothing(let why): return why
        case .needsForce(let reasons): return reasons.joined(separator: "; ") + "; add --force if that is really meant"
        }
    }
}
