/// Rule names the daemon raises events under itself, which the CLI recognises in the event core.
public enum ReservedRuleName {
    /// The maintenance event of a device that keeps sending impossible values (`lookout devices` shows its
    /// device as "implausible data").
    public static let implausibleData = "implausible_data"
}
