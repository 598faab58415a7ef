import Vocabulary

/// A resident's (or device's) "away" note: absence rules stay quiet until it ends.
public struct AwayNote: Sendable, Equatable, Codable {
    /// Id (for `removeAwayNote(id:)`).
    public var id: Int64
    /// Resident name or device id the note is about.
    public var subject: String
    /// When it was added.
    public var createdAt: EpochMillis
    /// When it ends.
    public var until: EpochMillis
    /// Why (hospital, visiting family).
    public var reason: String
    /// Who added it.
    public var actor: String
}
