import Vocabulary

/// Positions of the segments read for every message (by the engine, and by the daemon's input checks), in a
/// topic layout; -1 for a segment the layout does not have. `TopicSegments.value(_:slot:)` takes them.
public struct KeySegmentSlots: Sendable {
    /// Position of `{kind}`.
    public var kind: Int
    /// Position of `{device}`.
    public var device: Int
    /// Position of `{channel}`.
    public var channel: Int
    /// Position of `{community}`.
    public var community: Int

    /// The positions in `layout`.
    public init(_ layout: TopicLayout) {
        kind = layout.slot(of: "kind") ?? -1
        device = layout.slot(of: "device") ?? -1
        channel = layout.slot(of: "channel") ?? -1
        community = layout.slot(of: "community") ?? -1
    }
}
