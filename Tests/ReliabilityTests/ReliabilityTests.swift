import Testing

/// Issue 5's promises, each proved with the real `lookoutd` binary, a real mosquitto and a real SQLite file.
/// Serialized: the tests start brokers and daemons and push load; run one at a time they stay predictable
/// on a small machine. See docs/reliability.md.
@Suite(.serialized) struct ReliabilityTests {}
