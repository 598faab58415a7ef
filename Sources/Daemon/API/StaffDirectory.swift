import StaffAPI

/// One person in the staff directory: the login the kernel (or the broker) vouches for, and what they may do.
public struct StaffMember: Sendable, Equatable {
    /// Login name (what `getpwuid` gives for their uid).
    public var user: String
    /// Name for people (`Alice Zhang`).
    public var displayName: String
    /// What they may do.
    public var role: StaffRole
    /// Their teams (what rules write in `teams`): staff act on events of these teams.
    public var teams: [String]
    /// Their phone, for the people who coordinate them.
    public var phone: String

    /// Creates a member.
    public init(user: String, displayName: String = "", role: StaffRole, teams: [String] = [], phone: String = "") {
        self.user = user
        self.displayName = displayName
        self.role = role
        self.teams = teams
        self.phone = phone
    }
}

/// Who may use the staff API (`[api] staff`, `/etc/lookout/staff.conf`), by login name. Identity comes from the
/// transport (the kernel's peer credentials on the local socket); this says what that identity may do. Reread on
/// SIGHUP; a file with errors keeps the directory in force.
public struct StaffDirectory: Sendable, Equatable {
    /// The shipped location.
    public static let defaultPath = "/etc/lookout/staff.conf"

    /// The file it was read from (for messages).
    public var sourcePath: String
    /// Members by login name.
    public var members: [String: StaffMember]

    /// A directory of `members` read from `sourcePath`.
    public init(sourcePath: String, members: [StaffMember] = []) {
        self.sourcePath = sourcePath
        self.members = Dictionary(members.map { ($0.user, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The member with login `user`, if any.
    public func member(_ user: String) -> StaffMember? { members[user] }

    /// How many people it lists.
    public var count: Int { members.count }
}
