import EventCore
import MQTTClient
import Rules
import StaffAPI
import Vocabulary

/// Everything `lookoutd` reads from its configuration file (`lookoutd.conf`), with defaults.
///
/// Paths are absolute: relative paths in the file are resolved against the file's directory by the parser.
/// The broker password is read from `password_file` while parsing and kept only in `broker.password`.
public struct DaemonConfiguration: Sendable {
    /// The configuration file this was read from (empty for defaults).
    public var sourcePath: String = ""

    /// Broker connection (`[broker]`).
    public var broker = MQTTOptions()
    /// File the password was read from, for diagnostics (never the password itself).
    public var passwordFile: String?

    /// How topics are laid out (`[topics] layout`).
    public var layout = TopicLayout.standard
    /// Subscription filters (`[topics] subscribe`); defaults to the layout's filter.
    public var subscriptions: [String] = []
    /// QoS of the subscriptions (`[topics] qos`).
    public var subscriptionQoS: Int = 1

    /// SQLite database path (`[storage] database`).
    public var databasePath: String = "/var/lib/lookout/events.db"
    /// How long redelivered messages are recognised by fingerprint (`[storage] dedup_window`), in seconds.
    public var dedupWindowSeconds: Int64 = 600
    /// How long change-feed entries (what `lookout watch` follows) are kept (`[storage] change_retention`),
    /// in seconds; older ones are pruned by the daemon's housekeeping. Events and timelines are never pruned.
    public var changeRetentionSeconds: Int64 = 7 * 86_400
    /// How long residents' personal data stays in events no longer open (`[storage] resident_data_retention`), in
    /// seconds since the event's last activity; then housekeeping removes it and keeps the figures (PIPL).
    public var residentDataRetentionSeconds: Int64 = 180 * 86_400
    /// The resident fields the MQTT hand-off carries (`[handoff] resident_fields`); none by default: the hand-off
    /// is read by other systems, which get residents' personal data only field by field, where configured.
    public var handoffResidentFields: Set<RegistryField> = []
    /// Permission bits of a database file the daemon creates (`[storage] file_mode`, octal such as `0660`).
    /// Default 0640: group `lookout` may read. 0660 lets staff in group `lookout` acknowledge and resolve.
    public var databaseFileMode: UInt16 = 0o640
    /// The secret that keys the timeline's hash chain: from `[storage] timeline_key_file`, else systemd's credential
    /// `$CREDENTIALS_DIRECTORY/timeline-key`; empty when neither is there (an unkeyed chain, with a warning at start).
    public var timelineKey: [UInt8] = []
    /// The file the timeline key was read from (nil: none), for the log (never the key itself).
    public var timelineKeySource: String?

    /// Rule files or directories (`[rules] directory`).
    public var rulePaths: [String] = ["/etc/lookout/rules.d"]

    /// Device registry CSV (`[registry] devices`); nil runs without a registry.
    public var registryPath: String? = "/etc/lookout/devices.csv"

    /// Deadlines per level used when a rule does not name its own (`[deadlines]`); a level missing from a
    /// table has no deadline of that kind. Defaults: red ack 2 min, on site 15 min; yellow 15 min, 2 h; green 24 h.
    public var deadlines = DeadlinePolicy.standard

    /// Which payload `ts` values are taken as the device's time (`[device_time] max_future`, `max_age`).
    public var deviceTime = DeviceTimePolicy()

    /// Decoder limits (`[limits] max_payload_bytes`, `max_json_depth`).
    public var jsonLimits = JSONLimits()
    /// Cap on state kept for devices that are not in the registry (`[limits] max_unknown_devices`).
    public var maxUnknownDevices: Int = 10_000
    /// Declared payload fields per device kind: the shipped table with `[payloads] schema` on top.
    /// Messages of undeclared kinds are rejected (`unknown_kind`); see `PayloadSchema`.
    public var payloadSchema = PayloadSchema.shipped
    /// The operator's schema file (`[payloads] schema`), nil: the shipped table only.
    public var payloadSchemaPath: String?
    /// Channels devices publish on (`[payloads] channels`); others are rejected (`unknown_channel`).
    public var knownChannels: [String] = ["telemetry", "event", "status"]
    /// Rejected values from one device within `implausibleWindowSeconds` that raise its green "implausible
    /// data" maintenance event (`[payloads] implausible_count`).
    public var implausibleCount: Int = 3
    /// The window of `implausibleCount`, seconds (`[payloads] implausible_window`).
    public var implausibleWindowSeconds: Int64 = 3_600
    /// Largest batch of outbox rows published at once (`[handoff] batch`).
    public var handoffBatch: Int = 500

    /// Whether event changes are published to the broker (`[handoff] enabled`).
    public var handoffEnabled: Bool = true
    /// Hand-off topic pattern with `{level}`, `{id}`, `{action}`, `{community}` (`[handoff] topic`).
    public var handoffTopic: String = "lookout/events/{level}/{id}"
    /// QoS of hand-off publications (`[handoff] qos`).
    public var handoffQoS: Int = 1

    /// The community's time zone (`[site] time_zone`, an IANA name, default Asia/Shanghai): `lookout` learns it from
    /// every answer of the staff API and shows times in it; a rule file that names no `timezone` is read in it.
    public var siteTimeZone: String = ZoneInfo.siteDefaultName

    /// Longest maintenance silence `lookout silence add` accepts without `--force` (`[silences] max_duration`,
    /// default 24 h): a forgotten silence must not hide a building for days.
    public var silenceMaxDurationSeconds: Double = 86_400

    /// Seconds between status rows and metrics files (`[status] interval`).
    public var statusIntervalSeconds: Double = 5
    /// Prometheus textfile path (`[status] metrics_file`); nil writes none.
    public var metricsFile: String?

    /// The notifier configuration file (`[notify] notifiers`): notifier commands and team contacts, reread on
    /// SIGHUP (see `NotifierConfiguration`); nil: no out-of-band notification.
    public var notifiersPath: String?

    /// The staff API's Unix socket (`[api] socket`, default `/run/lookout/api.sock`): the local door through which
    /// `lookout` acts; nil (`none`) serves none. Mode 0666: who may do what comes from the kernel's peer
    /// credentials and the staff directory, not from access to the file.
    public var apiSocketPath: String? = LocalAPIClient.defaultSocketPath
    /// The staff directory (`[api] staff`): who may use the API, with which role and teams; reread on SIGHUP.
    public var staffDirectoryPath: String = StaffDirectory.defaultPath

    /// Whether staff on other machines are served over the broker (`[remote] enabled`, default off): MQTT 5
    /// request/response on a connection of its own (`remoteBroker`), the acting user the broker authenticated.
    public var remoteEnabled: Bool = false
    /// The remote staff API's broker connection (`[remote]`): lookoutd's own broker user, MQTT 5, persistent for an
    /// hour so that requests sent during a restart wait (their own expiry still applies).
    public var remoteBroker: MQTTOptions = {
        var options = MQTTOptions()
        options.clientID = "lookoutd-api"
        options.protocolVersion = .v5
        return options
    }()

    /// Log threshold (`[log] level`).
    public var logLevel: LogLevel = .info

    /// Seconds a graceful shutdown may take before the daemon gives up (`[shutdown] timeout`).
    public var shutdownTimeoutSeconds: Double = 10

    /// Creates the defaults.
    public init() {}

    /// Options for opening the event store (deadline defaults, mode of a new database file).
    public var storeOptions: StoreOptions {
        var options = StoreOptions()
        options.deadlines = deadlines
        options.newFileMode = databaseFileMode
        options.timelineKey = timelineKey
        return options
    }

    /// Options of the ingest connection (the one writer): `storeOptions`, with the write-ahead log copied into
    /// the database by `CheckpointService` from a thread of its own, so the writer checkpoints only past a high
    /// mark. lookoutd and `lookout-bench pipeline` open the store with these.
    public var ingestStoreOptions: StoreOptions {
        var options = storeOptions
        options.walAutoCheckpointPages = CheckpointService.writerAutoCheckpointPages
        options.writesFirst = true
        return options
    }

    /// The subscriptions actually used: the configured ones, else the layout's filter.
    public var effectiveSubscriptions: [String] {
        subscriptions.isEmpty ? [layout.subscriptionFilter] : subscriptions
    }
}
