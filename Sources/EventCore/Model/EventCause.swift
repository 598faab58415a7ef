/// Why an event happened, as staff record it when they resolve it: what the street office counts to know
/// which detector to move or replace. The raw values are the stable keys of `--json`, the CSV and the API.
public enum EventCause: String, Sendable, Codable, CaseIterable {
    /// A real situation (smoke from a fire, a fall, an open manhole).
    case real
    /// A real trigger that was no danger: cooking steam, renovation dust, a door propped open.
    case nuisance
    /// The device was wrong (a fault): nothing happened.
    case falseAlarm = "false"
    /// A planned test.
    case test
    /// Someone set it off on purpose.
    case prank
    /// A call button pressed for an errand (help with shopping, a question), not an emergency.
    case errand
    /// A call button press the resident cancelled.
    case cancelledByResident = "cancelled-by-resident"

    /// The device kind whose events alone may have the call-button causes.
    public static let callButtonKind = "sos"

    /// Whether only call-button events may have this cause.
    public var callButtonOnly: Bool { self == .errand || self == .cancelledByResident }

    /// Whether an event of `kind` may be resolved with this cause.
    public func applies(toKind kind: String) -> Bool { !callButtonOnly || kind == Self.callButtonKind }

    /// The causes an event of `kind` may be resolved with, in menu order.
    public static func choices(forKind kind: String?) -> [EventCause] {
        allCases.filter { kind.map($0.applies(toKind:)) ?? true }
    }
}
