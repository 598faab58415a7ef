/// Which rules can match a message, by its `kind` and `channel` segments, without hashing per message.
///
/// Only the kind and channel values that some filter names matter: every other value fits exactly the
/// filters that leave that segment open. So a message's kind is resolved to its position among the named
/// kinds (a few string comparisons, equal small strings compare as two machine words), or to "any other";
/// likewise its channel; and the candidate list is read from a table built once per rule set.
struct CandidateRules {
    /// A rule that can match, and whether its filters still need checking against the message's segments.
    struct Candidate {
        var index: Int
        var check: Bool
    }

    /// Kind values that some filter requires.
    private let kinds: [String]
    /// Channel values that some filter requires.
    private let channels: [String]
    /// Lists by `kindPosition * (channels.count + 1) + channelPosition`; position `count` is "any other value".
    private let lists: [[Candidate]]

    /// Builds the table for `rules`.
    init(_ rules: [CompiledRule]) {
        var kinds: [String] = []
        var channels: [String] = []
        for filter in rules.lazy.flatMap(\.filters) {
            if let kind = filter.required("kind"), !kinds.contains(kind) { kinds.append(kind) }
            if let channel = filter.required("channel"), !channels.contains(channel) { channels.append(channel) }
        }
        var lists: [[Candidate]] = []
        for kind in kinds.map(Optional.some) + [nil] {
            for channel in channels.map(Optional.some) + [nil] {
                lists.append(Self.candidates(rules, kind: kind, channel: channel))
            }
        }
        self.kinds = kinds
        self.channels = channels
        self.lists = lists
    }

    /// The rules that can match a message with these segment values, in rule order.
    func candidates(kind: String, channel: String) -> [Candidate] {
        let kindPosition = kinds.firstIndex(of: kind) ?? kinds.count
        let channelPosition = channels.firstIndex(of: channel) ?? channels.count
        return lists[kindPosition * (channels.count + 1) + channelPosition]
    }

    /// The rules with a filter that fits `kind` and `channel` (nil: a value no filter requires).
    private static func candidates(_ rules: [CompiledRule], kind: String?, channel: String?) -> [Candidate] {
        var list: [Candidate] = []
        for (index, rule) in rules.enumerated() {
            let fitting = rule.filters.filter { filter in
                (filter.required("kind").map { $0 == kind } ?? true) && (filter.required("channel").map { $0 == channel } ?? true)
            }
            guard !fitting.isEmpty else { continue }
            // Filters that constrain only kind and channel need no further check for this pair.
            let certain = fitting.contains { $0.constraints.allSatisfy { $0.segment == "kind" || $0.segment == "channel" } }
            list.append(Candidate(index: index, check: !certain))
        }
        return list
    }
}
