/// What a silence covers.
public enum SilenceScope: Sendable, Equatable, Hashable {
    /// One device.
    case device(String)
    /// One building of a community.
    case building(community: String, building: String)
    /// A whole community.
    case community(String)
}

/// A maintenance silence: events it covers are still recorded, marked silenced, not alerted.
public struct Silence: Sendable, Equatable {
    /// Id (for `removeSilence(id:)`).
    public var id: Int64
    /// What it covers.
    public var scope: SilenceScope
    /// When it was added.
    public var createdAt: Millis
    /// When it ends.
    public var until: Millis
    /// Why (on the record).
    public var reason: String
    /// Who added it.
    public var actor: String
}
