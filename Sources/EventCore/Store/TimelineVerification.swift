import Vocabulary

/// What `lookout audit verify` found: how many timeline entries were checked, whether the chain is keyed, whether
/// the database still refuses changes to the record, and the first broken link, if any.
public struct TimelineVerification: Codable, Sendable, Equatable {
    /// One entry at which the chain breaks.
    public struct Break: Codable, Sendable, Equatable {
        /// The timeline row id.
        public var entryID: Int64
        /// The event (`E-1001`).
        public var eventID: String
        /// The entry's time.
        public var at: EpochMillis
        /// The entry's action as stored now.
        public var action: String
        /// The entry's note as stored now.
        public var note: String
        /// What does not match.
        public var problem: String

        enum CodingKeys: String, CodingKey {
            case action, note, problem, at
            case entryID = "entry_id"
            case eventID = "event_id"
        }
    }

    /// Entries checked (up to and including a break).
    public var entries: Int
    /// Whether the daemon holds a key (false: the chain was computed with an empty key and only detects careless edits).
    public var keyed: Bool
    /// The append-only triggers that are missing (someone dropped them).
    public var missingTriggers: [String]
    /// The first broken link; nil when the chain is intact.
    public var firstBreak: Break?
    /// The hash of the last entry walked (the chain's head when intact), to compare with the one lookoutd logged.
    public var head: String = ""

    /// Creates a verification.
    public init(entries: Int, keyed: Bool, missingTriggers: [String], firstBreak: Break?) {
        self.entries = entries
        self.keyed = keyed
        self.missingTriggers = missingTriggers
        self.firstBreak = firstBreak
    }

    /// Whether the record is as written: the chain intact and the triggers in place.
    public var isIntact: Bool { firstBreak == nil && missingTriggers.isEmpty }

    enum CodingKeys: String, CodingKey {
        case entries, keyed
        case head
        case missingTriggers = "missing_triggers"
        case firstBreak = "first_break"
    }
}
