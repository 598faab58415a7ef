import Vocabulary

/// A checked, ready-to-run set of rules. Made only by `RuleCompiler`.
public struct RuleSet: Sendable {
    /// The rules, in file order.
    var rules: [CompiledRule]
    /// The topic layout the filters were resolved against.
    public let layout: TopicLayout

    init(rules: [CompiledRule], layout: TopicLayout) {
        self.rules = rules
        self.layout = layout
    }

    /// An empty rule set (no rules: the engine does nothing).
    public init(layout: TopicLayout = .standard) {
        self.init(rules: [], layout: layout)
    }

    /// Names of the rules, in file order.
    public var ruleNames: [String] { rules.map(\.name) }

    /// Number of rules.
    public var count: Int { rules.count }

    /// A stable fingerprint of the rule's definition (its tokens and the file's time zone): equal
    /// fingerprints mean the rule did not change, so a reload keeps its state. Nil for an unknown name.
    public func fingerprint(of rule: String) -> UInt64? {
        rules.first { $0.name == rule }?.fingerprint
    }

    /// Team names the rules write literally in `teams` (computed team names are not known before an event), for
    /// `lookoutd --check` to warn about teams that no notifier reaches.
    public var literalTeams: Set<String> {
        var names: Set<String> = []
        for rule in rules {
            for expr in rule.presentation.teams {
                if case .constant(.string(let text)) = expr, !text.isEmpty { names.insert(text) }
            }
        }
        return names
    }

    /// The rules that tell the resident's emergency contact (`bring in emergency contact`, or the team
    /// `emergency-contact` written literally), in rule order: `lookoutd --check` warns when the registry gives no
    /// emergency phone for them to reach.
    public var rulesReachingEmergencyContact: [String] {
        rules.filter { rule in
            rule.deadlines.escalation.contains(where: \.emergencyContact) || rule.presentation.teams.contains { expr in
                if case .constant(.string(let text)) = expr { return text == TeamName.emergencyContact }
                return false
            }
        }.map(\.name)
    }

    /// The MQTT topic filters a rule listens to, as written.
    public func topicFilters(of rule: String) -> [String] {
        rules.first { $0.name == rule }?.filters.map(\.text) ?? []
    }
}
