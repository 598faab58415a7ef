import EventCore
import FoundationEssentials
import Glibc
import Rules
import Vocabulary

/// A snapshot of the daemon's health: written as the status row (`lookout status`) and as Prometheus metrics.
public struct StatusReport: Sendable {
    /// Process id.
    public var pid: Int32
    /// Daemon version.
    public var version: String
    /// When the daemon started.
    public var startedAt: EpochMillis
    /// When this snapshot was taken.
    public var at: EpochMillis
    /// Whether the broker connection is up.
    public var connected: Bool
    /// Since when the connection is in its current state (0: never connected).
    public var connectionChangedAt: EpochMillis
    /// Subscription filters.
    public var subscriptions: [String]
    /// Pipeline counters.
    public var counters: PipelineCounters
    /// Rule names loaded.
    public var rulesLoaded: Int
    /// Errors of the last rule (re)load that were refused (0 when the last load was good).
    public var ruleErrors: Int
    /// Errors of the last refused registry reload (0 when the last load was good).
    public var registryErrors = 0
    /// Errors of the last refused notifier configuration reload (0 when the last load was good).
    public var notifierErrors = 0
    /// Registered devices.
    public var devices: Int
    /// Open events by level.
    public var openEvents: [AlertLevel: Int]
    /// Overdue open events.
    public var overdue: Int
    /// Overdue open red events (the daemon's own alert rules page on these).
    public var overdueRed = 0
    /// Event changes not yet handed off to the broker (-1: unknown).
    public var outboxBacklog: Int
    /// Whether the process is shutting down (the last row a stopping daemon writes says so).
    public var stopping: Bool
    /// Seconds between status rows (readers call the row stale after a few intervals).
    public var statusIntervalSeconds: Double
    /// Counters per rule, in rule order.
    public var ruleCounters: [(rule: String, counters: RuleCounters)] = []
    /// Rule engine counters.
    public var engineCounters = EngineCounters()
    /// `[limits] max_unknown_devices` in force.
    public var maxUnknownDevices = 0
    /// Names of the rules in force (`lookout silence add --rule` refuses a rule that is not loaded).
    public var ruleNames: [String] = []
    /// `[silences] max_duration` in milliseconds (`lookout silence add` needs `--force` beyond it).
    public var silenceMaxDurationMillis: EpochMillis = 86_400_000
    /// Each configured notifier's health (empty: no notifiers).
    public var notifiers: [String: NotificationState.Health] = [:]
    /// Notifications queued and not yet sent or given up (-1: unknown).
    public var notificationsPending = -1
    /// The remote staff API's state (`RemoteAPIHealth`): off, connecting, serving or refused.
    public var remoteAPI = RemoteAPIHealth.State.off
    /// Failed start-up ACL checks of the remote staff API since start.
    public var remoteACLCheckFailures = 0

    /// Names of the notifiers reported failing, sorted.
    var failingNotifiers: [String] { notifiers.filter(\.value.failing).keys.sorted() }

    /// The status row: flat key/value strings (see `DaemonStatusKey`).
    public var statusValues: [String: String] {
        let values: [DaemonStatusKey: String] = [
            .pid: String(pid),
            .version: version,
            .state: stopping ? "stopped" : "running",
            .startedAt: String(startedAt),
            .updatedAt: String(at),
            .connected: connected ? "true" : "false",
            .connectionChangedAt: String(connectionChangedAt),
            .subscriptions: subscriptions.joined(separator: ","),
            .messagesPerSecond: TextEditing.format("%.1f", counters.messagesPerSecond(at: at)),
            .messagesReceived: String(counters.received),
            .messagesProcessed: String(counters.processed),
            .messagesRejected: String(counters.rejectedTotal),
            .messagesDuplicate: String(counters.duplicates),
            .rejectsByReason: counters.rejected.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","),
            .rulesLoaded: String(rulesLoaded),
            .ruleErrors: String(ruleErrors),
            .registryErrors: String(registryErrors),
            .notifierErrors: String(notifierErrors),
            .devicesRegistered: String(devices),
            .lastCommitAt: String(counters.lastCommitAt),
            .commitFailures: String(counters.commitFailures),
            .outboxBacklog: String(outboxBacklog),
            .openRed: String(openEvents[.red] ?? 0),
            .openYellow: String(openEvents[.yellow] ?? 0),
            .openGreen: String(openEvents[.green] ?? 0),
            .overdue: String(overdue),
            .brokerReconnects: String(counters.brokerReconnects),
            .unknownDevicesOverCap: String(counters.unknownDevicesOverCap),
            .maxUnknownDevices: String(maxUnknownDevices),
            .statusInterval: String(statusIntervalSeconds),
            .ruleNames: ruleNames.joined(separator: ","),
            .commitsFailingSince: String(counters.commitsFailing?.since ?? 0),
            .diskFull: counters.commitsFailing?.diskFull == true ? "true" : "false",
            .silenceMaxDuration: String(silenceMaxDurationMillis),
            .notifiersFailing: failingNotifiers.joined(separator: ","),
            .notifierProblems: failingNotifiers.map { name in
                let health = notifiers[name] ?? NotificationState.Health()
                return "\(name): \(health.consecutiveFailures) failed tries in a row: \(health.lastError)"
            }.joined(separator: "\n"),
            .notificationsPending: String(notificationsPending),
            .remoteAPI: remoteAPI.rawValue,
            .remoteACLCheckFailures: String(remoteACLCheckFailures),
        ]
        return Dictionary(uniqueKeysWithValues: values.map { ($0.key.rawValue, $0.value) })
    }

    /// Prometheus text exposition format (for node_exporter's textfile collector).
    public var prometheusText: String {
        var out = PrometheusWriter()
        out.metric("lookout_up", "Whether lookoutd is running.", type: "gauge", value: stopping ? 0 : 1)
        // A killed daemon leaves its last file behind (lookout_up 1): only this time shows that it is stale.
        out.metric("lookout_last_update_timestamp_seconds", "When lookoutd wrote this file (Unix seconds); stale after a crash.",
                   type: "gauge", value: Double(at) / 1000)
        out.metric("lookout_status_interval_seconds", "Seconds between writes of this file.", type: "gauge", value: statusIntervalSeconds)
        out.family("lookout_build_info", "The lookoutd version (always 1).", type: "gauge", samples: [(["version": version], 1)])
        out.metric("lookout_broker_connected", "Whether the broker connection is up.", type: "gauge", value: connected ? 1 : 0)
        out.metric("lookout_start_time_seconds", "When lookoutd started (Unix seconds).", type: "gauge", value: Double(startedAt) / 1000)
        out.metric("lookout_messages_received_total", "Messages read from the broker.", type: "counter", value: Double(counters.received))
        out.metric("lookout_messages_processed_total", "Messages decoded and evaluated by the rules.", type: "counter", value: Double(counters.processed))
        out.metric("lookout_messages_duplicate_total", "Redelivered messages recognised and skipped.", type: "counter", value: Double(counters.duplicates))
        out.metric("lookout_messages_retained_known_total", "Retained messages (a device's last state) already processed, skipped.",
                   type: "counter", value: Double(counters.retainedKnown))
        out.metric("lookout_messages_own_handoff_total", "Own hand-off publications received back and ignored.", type: "counter", value: Double(counters.ownHandoff))
        out.family("lookout_messages_rejected_total", "Messages rejected, by reason.", type: "counter",
                   samples: counters.rejected.sorted { $0.key < $1.key }.map { (["reason": $0.key], Double($0.value)) })
        out.family("lookout_events_raised_total", "New events, by level.", type: "counter",
                   samples: AlertLevel.allCases.map { (["level": $0.rawValue], Double(counters.eventsRaised[$0] ?? 0)) })
        out.family("lookout_open_events", "Open events, by level.", type: "gauge",
                   samples: AlertLevel.allCases.map { (["level": $0.rawValue], Double(openEvents[$0] ?? 0)) })
        out.metric("lookout_overdue_events", "Open events past a deadline.", type: "gauge", value: Double(overdue))
        out.metric("lookout_overdue_red_events", "Open red events past a deadline.", type: "gauge", value: Double(overdueRed))
        out.metric("lookout_escalations_total", "Events escalated after a missed deadline.", type: "counter", value: Double(counters.escalations))
        out.metric("lookout_renotifications_total", "Re-notifications of unacknowledged events.", type: "counter", value: Double(counters.renotifications))
        out.metric("lookout_outbox_backlog", "Event changes not yet handed off to the broker.", type: "gauge", value: Double(outboxBacklog))
        let names = notifiers.keys.sorted()
        out.family("lookout_notifier_failing", "Whether a notifier is failing (tries failing in a row or for a while).", type: "gauge",
                   samples: names.map { (["notifier": $0], notifiers[$0]?.failing == true ? 1 : 0) })
        out.family("lookout_notifications_total", "Notifier tries, by notifier and outcome (sent, failed: retried, gave_up).",
                   type: "counter", samples: names.flatMap { name in
                       ["sent", "failed", "gave_up"].map { (["notifier": name, "outcome": $0], Double(notifiers[name]?.outcomes[$0] ?? 0)) }
                   })
        out.metric("lookout_notifications_pending", "Notifications queued, not yet sent or given up.", type: "gauge",
                   value: Double(notificationsPending))
        out.metric("lookout_remote_api_serving", "Whether staff requests over the broker are served (1) or not (0).",
                   type: "gauge", value: remoteAPI == .serving ? 1 : 0)
        out.metric("lookout_remote_api_acl_check_failures_total",
                   "Start-up checks in which the broker did not refuse lookoutd's publish under another user's request topic.",
                   type: "counter", value: Double(remoteACLCheckFailures))
        out.metric("lookout_broker_reconnects_total", "Broker reconnections.", type: "counter", value: Double(counters.brokerReconnects))
        out.metric("lookout_disk_full", "Whether database commits fail because the disk is full (nothing is acknowledged).",
                   type: "gauge", value: counters.commitsFailing?.diskFull == true ? 1 : 0)
        out.metric("lookout_commit_failures_total", "Failed database transactions (retried, nothing acknowledged).", type: "counter", value: Double(counters.commitFailures))
        out.metric("lookout_unknown_devices_over_cap_total", "Messages from unregistered devices beyond max_unknown_devices.", type: "counter", value: Double(counters.unknownDevicesOverCap))
        out.metric("lookout_rules_loaded", "Rules in force.", type: "gauge", value: Double(rulesLoaded))
        out.metric("lookout_rule_load_errors", "Errors in the last refused rule reload (0 when good).", type: "gauge", value: Double(ruleErrors))
        out.metric("lookout_registry_load_errors", "Errors in the last refused registry reload (0 when good).", type: "gauge",
                   value: Double(registryErrors))
        out.metric("lookout_notifier_load_errors", "Errors in the last refused notifier configuration reload (0 when good).",
                   type: "gauge", value: Double(notifierErrors))
        out.metric("lookout_devices_registered", "Devices in the registry.", type: "gauge", value: Double(devices))
        func perRule(_ value: (RuleCounters) -> Int) -> [([String: String], Double)] {
            ruleCounters.map { (["rule": $0.rule], Double(value($0.counters))) }
        }
        out.family("lookout_rule_evaluations_total", "Messages a rule's condition was evaluated on.", type: "counter",
                   samples: perRule(\.evaluations))
        out.family("lookout_rule_raised_total", "Raise actions per rule.", type: "counter", samples: perRule(\.raised))
        out.family("lookout_rule_errors_total", "Evaluation errors per rule.", type: "counter", samples: perRule(\.errors))
        out.family("lookout_rule_missing_fields_total", "Evaluations that met an absent payload field.", type: "counter",
                   samples: perRule(\.missingFields))
        out.family("lookout_rule_wrong_types_total", "Evaluations that met a field of the wrong type.", type: "counter",
                   samples: perRule(\.wrongTypes))
        out.family("lookout_rule_flapping_total", "Devices a rule found flapping (its condition coming and going).", type: "counter",
                   samples: perRule(\.flapping))
        out.metric("lookout_engine_unregistered_devices", "Unregistered devices the rule engine keeps state for.",
                   type: "gauge", value: Double(engineCounters.trackedUnregisteredDevices))
        out.metric("lookout_engine_evicted_devices_total", "Unregistered devices forgotten at the cap.",
                   type: "counter", value: Double(engineCounters.evictedDevices))
        out.summary("lookout_commit_seconds", "Time per committed transaction.", count: counters.commits, sum: counters.commitSecondsSum)
        out.metric("lookout_commit_seconds_max", "Longest committed transaction since start.", type: "gauge", value: counters.commitSecondsMax)
        out.metric("lookout_last_commit_time_seconds", "Time of the last commit (Unix seconds).", type: "gauge", value: Double(counters.lastCommitAt) / 1000)
        return out.text
    }
}

/// Builds Prometheus exposition text: HELP and TYPE once per family, escaped label values.
struct PrometheusWriter {
    private(set) var text = ""

    mutating func metric(_ name: String, _ help: String, type: String, value: Double) {
        family(name, help, type: type, samples: [([:], value)])
    }

    mutating func family(_ name: String, _ help: String, type: String, samples: [([String: String], Double)]) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        for (labels, value) in samples { text += "\(name)\(Self.labelText(labels)) \(Self.number(value))\n" }
    }

    mutating func summary(_ name: String, _ help: String, count: Int64, sum: Double) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) summary\n"
        text += "\(name)_sum \(Self.number(sum))\n\(name)_count \(count)\n"
    }

    static func labelText(_ labels: [String: String]) -> String {
        guard !labels.isEmpty else { return "" }
        let parts = labels.sorted { $0.key < $1.key }.map { key, value in
            return "\(key)=\"\(escapedLabelValue(value))\""
        }
        return "{" + parts.joined(separator: ",") + "}"
    }

    /// A label value as the exposition format wants it: backslash, double quote and line feed escaped.
    static func escapedLabelValue(_ value: String) -> String {
        var escaped = String.UnicodeScalarView()
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": escaped.append(contentsOf: "\\\\".unicodeScalars)
            case "\"": escaped.append(contentsOf: "\\\"".unicodeScalars)
            case "\n": escaped.append(contentsOf: "\\n".unicodeScalars)
            default: escaped.append(scalar)
            }
        }
        return String(escaped)
    }

    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}

/// Writes a file atomically: a temporary file in the same directory, then `rename`.
func writeFileAtomically(_ text: String, to path: String) throws {
    let temporary = path + ".tmp.\(getpid())"
    try writeWholeFile(text, to: temporary, mode: 0o644)
    guard rename(temporary, path) == 0 else {
        let error = ErrnoError(operation: "cannot rename \(temporary) to \(path)")
        unlink(temporary)
        throw error
    }
}

/// Creates or truncates `path` with exactly `mode` and writes all of `text`; errors carry the system's reason.
private func writeWholeFile(_ text: String, to path: String, mode: mode_t) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    guard fd >= 0 else { throw ErrnoError(operation: "cannot write \(path)") }
    defer { close(fd) }
    guard fchmod(fd, mode) == 0 else { throw ErrnoError(operation: "cannot write \(path)") }
    var failure: ErrnoError?
    var bytes = text
    bytes.withUTF8 { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                failure = ErrnoError(errno: written < 0 ? errno : EIO, operation: "cannot write \(path)")
                return
            }
            offset += written
        }
    }
    if let failure { throw failure }
}
