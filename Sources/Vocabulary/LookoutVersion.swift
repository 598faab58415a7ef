/// Version string printed by `--version` of every executable.
public let lookoutVersion = "0.2.0"
