/// Three-colour level (三色预警): one type for what a rule raises, what the event core stores and what staff
/// filter on, so that no layer maps one level enum onto another. The raw values are the stored and printed text.
public enum AlertLevel: String, Sendable, Codable, Comparable, CaseIterable {
    /// Routine: the grid worker handles it on site.
    case green
    /// Serious: the community office handles it.
    case yellow
    /// Emergency: community, police/fire and relatives at once.
    case red

    /// 0, 1, 2 from green to red: also the level's index in `allCases`, as saved rule state stores it (without
    /// building `allCases` per level saved).
    public var rank: Int { self == .green ? 0 : self == .yellow ? 1 : 2 }
    /// green < yellow < red.
    public static func < (lhs: AlertLevel, rhs: AlertLevel) -> Bool { lhs.rank < rhs.rank }
}
