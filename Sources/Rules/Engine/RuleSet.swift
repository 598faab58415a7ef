/// A checked, ready-to-run set of rules. Made only by `RuleCompiler`.
public struct RuleSet: Sendable {
    /// Names of the rules, in file order.
    public var ruleNames: [String] { [] }
}
