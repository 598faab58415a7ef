/// Milliseconds since the Unix epoch: every time the daemon, the rules, the event core and the tools pass
/// around (device `ts`, deadlines, rows), one name so that no layer converts between two.
public typealias EpochMillis = Int64
