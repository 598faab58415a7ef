import Dispatch
import EventCore
import FoundationEssentials
import Glibc
import MQTTClient
import Rules
import Synchronization
import Vocabulary

/// The intake: the MQTT consumer. It owns the pipeline and runs the MQTT loop; on the loop thread it hands the
/// pipeline each batch and tick, and handles reloads (SIGHUP), the status row and metrics file, systemd
/// notifications and watchdog pings. Calls go one way, from here down into the pipeline.
final class IngestService: Service, MQTTConsumer, @unchecked Sendable {
    let name = "ingest"
    let configuration: DaemonConfiguration
    private let connection: MQTTConnection
    let pipeline: IngestPipeline
    let store: EventStore
    let notifier: SystemdNotifier
    let log: Logger
    private let startedAt: EpochMillis
    private let handoffBacklog: () -> Int
    let notification: NotificationState
    /// Writes the registry into the devices table from a thread of its own (at start and after each reload).
    let registryMirror: RegistryMirrorService
    /// Errors of the last refused rule, registry and notifier reloads (0: the last one was good), for status and
    /// metrics.
    var lastRuleErrors = 0
    var lastRegistryErrors = 0
    var lastNotifierErrors = 0
    /// A SIGHUP not yet acted on (one arrived while a reload was under way).
    var reloadRequested = false
    /// Whether a reload is being read and compiled off the loop thread.
    var reloadInFlight = false
    /// A reload read and compiled, waiting for the loop thread to swap it in.
    let finishedReload = Mutex<FinishedReload?>(nil)
    /// Where reloads are read and compiled, one at a time.
    let reloadQueue = DispatchQueue(label: "lookoutd.reload")
    /// When the status row and the watchdog ping are next due.
    private var duties: DutySchedule<Duty>
    private let stop = StopSignal()

    init(configuration: DaemonConfiguration, pipeline: IngestPipeline, store: EventStore, notifier: SystemdNotifier,
         log: Logger, handoffBacklog: @escaping () -> Int, notification: NotificationState,
         registryMirror: RegistryMirrorService) throws(MQTTError) {
        self.configuration = configuration
        self.connection = try MQTTConnection(options: configuration.broker)
        self.pipeline = pipeline
        self.store = store
        self.notifier = notifier
        self.log = log
        self.startedAt = pipeline.clock()
        self.handoffBacklog = handoffBacklog
        self.notification = notification
        self.registryMirror = registryMirror
        let watchdogInterval = notifier.watchdogInterval
        self.duties = DutySchedule { duty in
            switch duty {
            case .status: EpochMillis(configuration.statusIntervalSeconds * 1000)
            case .watchdog: watchdogInterval.map { EpochMillis($0 * 1000) }
            }
        }
        registryMirror.request(pipeline.registry, at: startedAt)
    }

    /// The periodic duties of the service's ticks.
    enum Duty: Int, CaseIterable {
        /// The status row and metrics file.
        case status
        /// The systemd watchdog ping (never, without a watchdog).
        case watchdog
    }

    func run() throws {
        let subscriptions = configuration.effectiveSubscriptions.map { (filter: $0, qos: configuration.subscriptionQoS) }
        defer {
            pipeline.flushDeviceActivity()
            pipeline.compactRuleState(now: WallClock.now())
            writeStatus(stopping: true)
        }
        try connection.run(subscriptions: subscriptions, consumer: self, tickInterval: IngestPipeline.tickIntervalSeconds)
    }

    func shutdown() {
        stop.fire()
        connection.stop()
    }

    // MARK: MQTTConsumer (the loop thread)

    func mqttDidConnect(sessionPresent: Bool) {
        if pipeline.connected(sessionPresent: sessionPresent) {
            // A status row (with the pid) before READY: `lookout status` can tell a running daemon that cannot
            // write (a full disk) from one that is gone, even when the disk fills right after the start.
            duties.restart(.status, at: pipeline.clock())
            writeStatus(stopping: false)
            notifier.ready(status: "connected, \(pipeline.ruleSet.ruleNames.count) rules")
        } else {
            notifier.status("connected again")
        }
    }

    func mqttDidDisconnect(reason: String) {
        let stopping = stop.isSet
        pipeline.disconnected(reason: reason, stopping: stopping)
        if !stopping { notifier.status("broker connection lost: \(reason)") }
    }

    func mqttDidReceive(_ batch: [MQTTMessage]) throws {
        try pipeline.ingest(batch)
    }

    /// The pipeline's periodic duties, then the service's own.
    func mqttTick() {
        pipeline.tick()
        let now = pipeline.clock()
        // A flood's count is written when its window ends, even if the flood stopped with it.
        log.flushSuppressed()
        reloadIfRequested()
        if duties.take(.watchdog, at: now) { notifier.watchdog() }
        if duties.take(.status, at: now) { writeStatus(stopping: false) }
    }

    func logDiagnostics(_ rendered: String, level: LogLevel) {
        for line in rendered.split(separator: "\n") { log.log(level, String(line)) }
    }

    /// Writes the status row and the metrics file; failures are logged (rate-limited), never fatal.
    private func writeStatus(stopping: Bool) {
        let now = pipeline.clock()
        var summary = OpenEventCounts()
        do {
            summary = try store.openEventCounts(now: now)
        } catch {
            log.warning("could not count open events: \(error)", key: "status-summary")
        }
        var report = StatusReport(
            pid: getpid(), version: lookoutVersion, startedAt: startedAt, at: now, connected: pipeline.isConnected && !stopping,
            connectionChangedAt: pipeline.connectionChangedAt, subscriptions: configuration.effectiveSubscriptions,
            counters: pipeline.counters, rulesLoaded: pipeline.ruleSet.ruleNames.count, ruleErrors: lastRuleErrors,
            devices: pipeline.registry.count, openEvents: summary.byLevel, overdue: summary.overdue,
            outboxBacklog: handoffBacklog(), stopping: stopping,
            statusIntervalSeconds: configuration.statusIntervalSeconds, ruleCounters: pipeline.ruleCounters,
            engineCounters: pipeline.engineCounters, ruleNames: pipeline.ruleSet.ruleNames,
            silenceMaxDurationMillis: EpochMillis(configuration.silenceMaxDurationSeconds * 1000))
        report.maxUnknownDevices = configuration.maxUnknownDevices
        report.registryErrors = lastRegistryErrors
        report.notifierErrors = lastNotifierErrors
        report.overdueRed = summary.overdueRed
        (report.remoteAPI, report.remoteACLCheckFailures) = (RemoteAPIHealth.state, RemoteAPIHealth.aclCheckFailures)
        if configuration.notifiersPath != nil {
            report.notifiers = notification.health
            report.notificationsPending = (try? store.pendingNotificationCount()) ?? -1
        }
        do {
            try store.writeDaemonStatus(report.statusValues, at: now)
        } catch {
            log.warning("could not write the status row: \(error)", key: "status-row")
        }
        if let path = configuration.metricsFile {
            do {
                try writeFileAtomically(report.prometheusText, to: path)
            } catch {
                log.warning("could not write metrics file \(path): \(error)", key: "metrics-file")
            }
        }
    }
}
