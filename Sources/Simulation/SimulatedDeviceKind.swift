/// The device kinds of docs/domain.md.
public enum SimulatedDeviceKind: String, CaseIterable, Sendable, Comparable {
    /// Manhole-cover sensor (智能井盖).
    case manhole
    /// Stand-alone photoelectric smoke alarm.
    case smoke
    /// Door-access controller.
    case door
    /// One-key emergency call button (一键呼叫).
    case sos

    /// Device id prefix (`SD-0113`).
    public var idPrefix: String {
        switch self {
        case .manhole: return "MH"
        case .smoke: return "SD"
        case .door: return "DR"
        case .sos: return "SOS"
        }
    }

    /// Orders kinds as docs/domain.md lists them.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }

    private var rank: Int {
        switch self {
        case .manhole: return 0
        case .smoke: return 1
        case .door: return 2
        case .sos: return 3
        }
    }
}
