import EventCore
import FoundationEssentials
import MQTTClient
import Rules
import Vocabulary

/// `lookoutd`: command line, start-up checks, services, shutdown. `main` returns the exit status.
public enum LookoutDaemon {
    /// Default configuration file.
    public static let defaultConfigPath = "/etc/lookout/lookoutd.conf"

    /// Exit statuses.
    public enum ExitCode {
        /// Clean stop, or `--check` found no errors.
        public static let success: Int32 = 0
        /// Configuration, rules, registry, database or broker setup failed; or an unclean stop.
        public static let failure: Int32 = 1
        /// Bad command line.
        public static let usage: Int32 = 64
    }

    /// Usage text for `--help`.
    public static let usage = """
        usage: lookoutd [--config FILE] [--check]
               lookoutd --version | --help

        Listens to community sensors over MQTT, evaluates the rules in the configured rule directory and
        records events in the Lookout database for staff (`lookout`).

        options:
          --config FILE   configuration file (default \(defaultConfigPath))
          --check         parse the configuration, rules and registry, print diagnostics, exit 0 or 1;
                          touches neither the broker nor the database
          --version       print the version
          -h, --help      print this help

        signals: SIGTERM/SIGINT stop gracefully, SIGHUP reloads rules, registry, notifiers and the staff directory.
        """

    /// Runs `lookoutd` with `arguments` (without the program name).
    public static func main(arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment) -> Int32 {
        var configPath = defaultConfigPath
        var checkOnly = false
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--help", "-h":
                print(usage)
                return ExitCode.success
            case "--version":
                print("lookoutd \(lookoutVersion)")
                return ExitCode.success
            case "--check":
                checkOnly = true
            case "--config", "-c":
                guard index + 1 < arguments.count else { return usageError("--config needs a file") }
                index += 1
                configPath = arguments[index]
            default:
                if argument.hasPrefix("--config=") {
                    configPath = String(argument.dropFirst("--config=".count))
                } else {
                    return usageError("unknown argument '\(argument)'")
                }
            }
            index += 1
        }
        let log = Logger(output: .standardError(environment: environment))
        return checkOnly ? check(configPath: configPath, environment: environment)
                         : serve(configPath: configPath, environment: environment, log: log)
    }

    private static func usageError(_ message: String) -> Int32 {
        printError("lookoutd: \(message)\n\(usage)")
        return ExitCode.usage
    }

    private static func printError(_ text: String) {
        StandardStream.writeError(text.hasSuffix("\n") ? text : text + "\n")
    }

    /// The configuration at `path`, or nil after printing its problems on stderr.
    private static func loadConfiguration(_ path: String, environment: [String: String]) -> DaemonConfiguration? {
        do {
            return try DaemonConfiguration.load(path: path, environment: environment)
        } catch {
            printError(error.description)
            return nil
        }
    }

    /// The staff directory, or nil after printing its errors on stderr. A missing file is an
    /// empty directory (every request refused, naming the file), with a warning.
    private static func loadStaff(_ configuration: DaemonConfiguration, warn: (String) -> Void) -> StaffDirectory? {
        do {
            let (directory, missing) = try StaffDirectory.loadIfPresent(path: configuration.staffDirectoryPath)
            if missing {
                warn("\(configuration.staffDirectoryPath): warning: no staff directory: every staff API request is refused until one is written (see lookoutd.conf(5), [api] staff)")
            }
            return directory
        } catch {
            printError(error.description)
            return nil
        }
    }

    /// `--check`: configuration, rules and registry; diagnostics on stderr, a summary on stdout.
    static func check(configPath: String, environment: [String: String]) -> Int32 {
        guard let configuration = loadConfiguration(configPath, environment: environment) else { return ExitCode.failure }
        let loaded = RuleLoader.load(configuration)
        if !loaded.renderedDiagnostics.isEmpty { printError(loaded.renderedDiagnostics) }
        // Registry problems quote the operator's CSV values: escaped like anything else printed from outside data.
        for line in loaded.registryErrors { printError(TextSanitizer.sanitize(line)) }
        for warning in loaded.registry?.warnings ?? [] { printError(TextSanitizer.sanitize(warning.warningDescription)) }
        guard let ruleSet = loaded.ruleSet, let registry = loaded.registry else {
            printError("lookoutd: check failed: \(loaded.ruleErrorCount) rule error(s), \(loaded.registryErrors.count) registry error(s)")
            return ExitCode.failure
        }
        let reachingContact = ruleSet.rulesReachingEmergencyContact
        if !reachingContact.isEmpty, registry.count > 0, !registry.devices.values.contains(where: { !$0.emergencyPhone.isEmpty }) {
            printError("\(configuration.registryPath ?? "registry"): warning: rules \(reachingContact.joined(separator: ", ")) tell the resident's emergency contact, but no device of the registry has an emergency_phone: those messages will reach no one")
        }
        var notifierSummary = ""
        if let path = configuration.notifiersPath {
            do {
                let notifiers = try NotifierConfiguration.load(path: path, environment: environment)
                for team in ruleSet.literalTeams.subtracting(notifiers.policy.minimumLevel.keys).sorted() {
                    printError("\(path): warning: team '\(team)' is used by rules but has no notifier; it is told of events only in `lookout watch`")
                }
                notifierSummary = ", \(notifiers.notifiers.count) notifiers for \(notifiers.teams.count) teams"
            } catch {
                printError(error.description)
                printError("lookoutd: check failed: the notifier configuration has errors")
                return ExitCode.failure
            }
        }
        var staffSummary = ""
        if configuration.apiSocketPath != nil || configuration.remoteEnabled {
            guard let staff = loadStaff(configuration, warn: printError) else {
                printError("lookoutd: check failed: the staff directory has errors")
                return ExitCode.failure
            }
            staffSummary = ", \(staff.count) staff"
        }
        print("\(configPath): ok: \(ruleSet.ruleNames.count) rules (\(loaded.ruleWarningCount) warnings), \(registry.count) devices\(notifierSummary)\(staffSummary)")
        return ExitCode.success
    }

    /// What lookoutd starts with: the rules, the registry, the notifiers and the staff directory, all loaded and
    /// checked before anything connects.
    private struct StartingPoint {
        let ruleSet: RuleSet
        let registry: DeviceRegistry
        let notifiers: NotifierConfiguration
        let staff: StaffDirectory
    }

    /// Loads what lookoutd starts with; nil (after saying why) when any of it has errors.
    private static func loadStartingPoint(_ configuration: DaemonConfiguration, environment: [String: String],
                                          log: Logger) -> StartingPoint? {
        let loaded = RuleLoader.load(configuration)
        if !loaded.renderedDiagnostics.isEmpty { printError(loaded.renderedDiagnostics) }
        for line in loaded.registryErrors { printError(line) }
        for warning in loaded.registry?.warnings ?? [] { log.warning(warning.warningDescription) }
        guard let ruleSet = loaded.ruleSet, let registry = loaded.registry else {
            log.error("not starting: \(loaded.ruleErrorCount) rule error(s), \(loaded.registryErrors.count) registry error(s)")
            return nil
        }
        var notifiers = NotifierConfiguration()
        if let path = configuration.notifiersPath {
            do {
                notifiers = try NotifierConfiguration.load(path: path, environment: environment)
            } catch {
                printError(error.description)
                log.error("not starting: the notifier configuration \(path) has errors")
                return nil
            }
        }
        var staff = StaffDirectory(sourcePath: configuration.staffDirectoryPath)
        if configuration.apiSocketPath != nil || configuration.remoteEnabled {
            guard let loadedStaff = loadStaff(configuration, warn: { log.warning($0) }) else {
                log.error("not starting: the staff directory \(configuration.staffDirectoryPath) has errors")
                return nil
            }
            staff = loadedStaff
        }
        return StartingPoint(ruleSet: ruleSet, registry: registry, notifiers: notifiers, staff: staff)
    }

    /// The services that run beside the intake, in start order (checkpoints, the devices mirror, notifiers, the
    /// hand-off, the staff API), and how to read the hand-off's backlog for the status row (-1: no hand-off).
    private static func auxiliaryServices(_ configuration: DaemonConfiguration, registryMirror: RegistryMirrorService,
                                          notification: NotificationState, staff: StaffDirectory,
                                          log: Logger) -> ([any Service], @Sendable () -> Int) {
        var services: [any Service] = [CheckpointService(log: log) {
            try EventStore(path: configuration.databasePath, options: configuration.storeOptions)
        }, registryMirror]
        if configuration.notifiersPath != nil {
            services.append(NotificationService(state: notification, log: log) {
                try EventStore(path: configuration.databasePath, options: configuration.storeOptions)
            })
        }
        var backlog: @Sendable () -> Int = { -1 }
        if configuration.handoffEnabled {
            let handoff = HandoffService(configuration: configuration, log: log) {
                try EventStore(path: configuration.databasePath, options: configuration.storeOptions)
            }
            backlog = { handoff.backlog.load(ordering: .relaxed) }
            services.append(handoff)
        }
        if let socketPath = configuration.apiSocketPath {
            services.append(APIService(socketPath: socketPath, staffPath: configuration.staffDirectoryPath, directory: staff,
                                       silenceMaximumMillis: EpochMillis(configuration.silenceMaxDurationSeconds * 1000),
                                       siteTimeZone: configuration.siteTimeZone, log: log,
                                       notificationPolicy: { notification.configuration.policy }) {
                try EventStore(path: configuration.databasePath, options: configuration.storeOptions)
            })
        }
        if configuration.remoteEnabled {
            services.append(RemoteAPIService(options: configuration.remoteBroker, staffPath: configuration.staffDirectoryPath,
                                             directory: staff,
                                             silenceMaximumMillis: EpochMillis(configuration.silenceMaxDurationSeconds * 1000),
                                             siteTimeZone: configuration.siteTimeZone, log: log, notificationPolicy: { notification.configuration.policy }) {
                try EventStore(path: configuration.databasePath, options: configuration.storeOptions)
            })
        }
        return (services, backlog)
    }

    /// Runs the daemon until SIGTERM/SIGINT.
    static func serve(configPath: String, environment: [String: String], log: Logger) -> Int32 {
        guard let configuration = loadConfiguration(configPath, environment: environment) else { return ExitCode.failure }
        log.setLevel(configuration.logLevel)
        guard let start = loadStartingPoint(configuration, environment: environment, log: log) else { return ExitCode.failure }
        let (ruleSet, registry, notifiers, staff) = (start.ruleSet, start.registry, start.notifiers, start.staff)
        let notification = NotificationState(configuration: notifiers)
        SignalState.install()
        let notifier = SystemdNotifier(environment: environment)
        log.info("lookoutd \(lookoutVersion) starting: \(ruleSet.ruleNames.count) rules, \(registry.count) devices, database \(configuration.databasePath)")
        if let source = configuration.timelineKeySource {
            log.info("timeline chain keyed with \(source)")
        } else {
            log.warning("no timeline key (no credential \(TimelineKeyFile.credentialName), no [storage] timeline_key_file): the timeline's hash chain is unkeyed, so 'lookout audit verify' catches careless edits but not a chain recomputed by hand (see lookoutd.conf(5))")
        }
        let store: EventStore
        let pipeline: IngestPipeline
        // The devices table (`lookout devices`) is written from a thread of its own: a new registry of a million
        // devices does not hold up the subscription.
        let registryMirror = RegistryMirrorService(log: log) {
            try EventStore(path: configuration.databasePath, options: configuration.storeOptions)
        }
        do {
            store = try EventStore(path: configuration.databasePath, options: configuration.ingestStoreOptions)
            store.notificationPolicy = notifiers.policy
            pipeline = try IngestPipeline(configuration: configuration, store: store, ruleSet: ruleSet, registry: registry,
                                          log: log, mirrorsRegistry: false)
        } catch {
            log.error("cannot open the database \(configuration.databasePath): \(error)")
            return ExitCode.failure
        }
        let (auxiliary, backlog) = auxiliaryServices(configuration, registryMirror: registryMirror, notification: notification,
                                                     staff: staff, log: log)
        var services = auxiliary
        do {
            services.append(try IngestService(configuration: configuration, pipeline: pipeline, store: store,
                                              notifier: notifier, log: log, handoffBacklog: backlog,
                                              notification: notification, registryMirror: registryMirror))
        } catch {
            log.error("cannot set up the MQTT client: \(error)")
            return ExitCode.failure
        }
        /// The chain's head in the journal, at start and at stop: removing the last entries shows against it.
        func logTimelineHead(_ when: String) {
            if let head = try? store.timelineHead() {
                log.info("timeline head \(when): entry #\(head.entryID) \(head.hash)")
            }
        }
        logTimelineHead("at start")
        let group = ServiceGroup(services: services, log: log)
        let clean = group.run(timeout: configuration.shutdownTimeoutSeconds, onShutdownRequested: {
            notifier.stopping(status: "stopping")
            log.info(SignalState.terminationRequested ? "stopping (signal received)" : "stopping (a service ended)")
        })
        // Counts of a flood still in its window are written now, not lost with the process.
        log.flushSuppressed(all: true)
        logTimelineHead("at stop")
        log.info(clean ? "stopped" : "stopped uncleanly")
        return clean && SignalState.terminationRequested ? ExitCode.success : ExitCode.failure
    }
}
