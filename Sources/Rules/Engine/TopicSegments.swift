/// The named segments of one topic (`community`, `kind`, `device`, `channel`, …), in layout order.
///
/// Built once per message without a dictionary: a layout has a handful of named segments, and the rule
/// compiler resolves `topic.<name>` and topic filters to a position in the layout, so a look-up is one
/// comparison of the name at that position (small strings compare as two machine words) instead of hashing.
public struct TopicSegments: Sendable, Equatable {
    /// Segment names; for a matched topic, the layout's own array (shared, not copied per message).
    public let names: [String]
    /// Segment values: `values[i]` belongs to `names[i]`.
    public let values: [String]

    /// Segments from a dictionary (names in sorted order), for callers that build messages by hand.
    public init(_ segments: [String: String]) {
        let sorted = segments.sorted { $0.key < $1.key }
        self.names = sorted.map(\.key)
        self.values = sorted.map(\.value)
    }

    /// Segments from parallel arrays of names and values (same count; names distinct).
    init(names: [String], values: [String]) {
        precondition(names.count == values.count, "one value per segment name")
        self.names = names
        self.values = values
    }

    /// The value of the segment called `name`, or nil when the topic has no such segment.
    public subscript(name: String) -> String? {
        for index in names.indices where names[index] == name { return values[index] }
        return nil
    }

    /// The value of segment `name`, looked for first at `slot` (its position in the layout the rules
    /// were compiled against, see `KeySegmentSlots`), then by name: messages built by hand may order their
    /// segments differently. At the right slot it is one comparison of equal strings (no call).
    @inline(__always)
    public func value(_ name: String, slot: Int) -> String? {
        if slot >= 0, slot < names.count, names[slot] == name { return values[slot] }
        return self[name]
    }

    /// The segments as a dictionary, for APIs that want one.
    public var dictionary: [String: String] {
        Dictionary(zip(names, values), uniquingKeysWith: { _, last in last })
    }
}
