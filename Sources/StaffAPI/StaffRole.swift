/// What a staff member may do, lowest first: each role may do everything the ones below it may.
///
/// Shared by the daemon (which decides) and the CLI (which names the role a refusal needs), and later by the
/// remote transport, so a refusal reads the same wherever it comes from.
public enum StaffRole: String, Codable, Sendable, CaseIterable, Comparable {
    /// Reads events, timelines and statistics.
    case viewer
    /// Acts on events of their own teams (an event's teams: the rule's and those a step brought in).
    case staff
    /// Acts on every event; adds silences within the policy and away notes.
    case supervisor
    /// All of the above, and silences beyond the policy (`--force`: long or community-wide).
    case admin

    /// Whether this role includes `other`.
    public static func < (lhs: StaffRole, rhs: StaffRole) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
