/// Keys of the daemon status row, the contract between `lookoutd` and `lookout status`. Values are strings;
/// times are Unix milliseconds, counts are decimal integers, flags are `true`/`false`.
public enum DaemonStatusKey: String, Sendable, CaseIterable {
    /// Process id of the daemon.
    case pid
    /// Daemon version.
    case version
    /// `running`, or `stopped` (the last row of a clean stop).
    case state
    /// Start time.
    case startedAt = "started_at"
    /// Time of this row.
    case updatedAt = "updated_at"
    /// Seconds between rows (a row older than three intervals means the daemon is not running).
    case statusInterval = "status_interval_s"
    /// Broker connection up (`true`/`false`).
    case connected
    /// Since when the connection is in its current state (0: never connected).
    case connectionChangedAt = "connection_changed_at"
    /// Subscription filters, comma-separated.
    case subscriptions
    /// Messages per second over the last minute (one decimal).
    case messagesPerSecond = "messages_per_second"
    /// Messages received since start.
    case messagesReceived = "messages_received"
    /// Messages evaluated by the rules since start.
    case messagesProcessed = "messages_processed"
    /// Messages rejected since start.
    case messagesRejected = "messages_rejected"
    /// Redeliveries skipped since start.
    case messagesDuplicate = "messages_duplicate"
    /// Rejects since start by reason: `reason=n,reason=n`.
    case rejectsByReason = "rejects_by_reason"
    /// Rules in force.
    case rulesLoaded = "rules_loaded"
    /// Errors of the last refused rule reload (0: the last load was good).
    case ruleErrors = "rule_errors"
    /// Errors of the last refused registry reload (0: the last load was good).
    case registryErrors = "registry_errors"
    /// Errors of the last refused notifier configuration reload (0: the last load was good).
    case notifierErrors = "notifier_errors"
    /// Devices in the registry.
    case devicesRegistered = "devices_registered"
    /// Time of the last committed transaction (0: none yet).
    case lastCommitAt = "last_commit_at"
    /// Failed transactions since start.
    case commitFailures = "commit_failures"
    /// Event changes waiting for the hand-off (-1: unknown).
    case outboxBacklog = "outbox_backlog"
    /// Open red events.
    case openRed = "open_red"
    /// Open yellow events.
    case openYellow = "open_yellow"
    /// Open green events.
    case openGreen = "open_green"
    /// Open events past a deadline.
    case overdue
    /// Broker reconnections since start.
    case brokerReconnects = "broker_reconnects"
    /// Messages since start from unregistered devices the devices mirror does not keep (beyond
    /// `max_unknown_devices`): `lookout devices` says that its list is cut.
    case unknownDevicesOverCap = "unknown_devices_over_cap"
    /// `[limits] max_unknown_devices` in force.
    case maxUnknownDevices = "max_unknown_devices"
    /// Since when database commits fail (0: they succeed); nothing is acknowledged meanwhile.
    case commitsFailingSince = "commits_failing_since"
    /// Whether the failing commits fail because the disk is full.
    case diskFull = "disk_full"
    /// Names of the rules in force, comma-separated.
    case ruleNames = "rule_names"
    /// `[silences] max_duration` in milliseconds.
    case silenceMaxDuration = "silence_max_duration_ms"
    /// Notifiers reported failing, comma-separated (empty: none).
    case notifiersFailing = "notifiers_failing"
    /// One line per failing notifier: `name: N failed tries in a row: last error`.
    case notifierProblems = "notifier_problems"
    /// Notifications queued, not yet sent or given up (-1: unknown).
    case notificationsPending = "notifications_pending"
    /// The staff API over the broker: `off`, `connecting`, `serving`, or `refused` (the broker did not refuse
    /// lookoutd's own publish under another user's request topic, so no remote request is served).
    case remoteAPI = "remote_api"
    /// Start-up ACL checks of the remote staff API that failed since start.
    case remoteACLCheckFailures = "remote_acl_check_failures"
}
