import Daemon
import EventCore
import FoundationEssentials
import MQTTClient
import Rules

/// `lookout-bench pipeline`: the daemon's own `IngestPipeline` (de-duplication, topic matching, decoding,
/// every shipped rule, one SQLite transaction per batch) fed generated traffic in broker-sized batches,
/// with decode-only and decode+rules loops over the same messages in the same run as baselines.
enum PipelineBenchmark: Benchmark {
    /// Milliseconds between the generated messages' `ts`.
    static let spacingMillis: Int64 = 1

    static let name = "pipeline"
    static let summary = "the daemon's IngestPipeline (decode, rules, SQLite commit per batch) without a broker"
    static let optionsHelp = BenchmarkOptions.help + [
        "--rules DIR           rule directory (default config/rules.d)",
        "--batch N             messages per batch, as one MQTT read pass (default 2000)",
        "--keep-database PATH  keep the resulting database there (a realistic seed for scripts/bench-store.sh)",
        "--pipeline off        only the decode and rules stages (no SQLite pipeline)",
        "full size: --messages 1000000 --devices-per-kind 25000 (100,000 devices)",
    ]

    static func run(_ options: BenchmarkOptions) throws -> BenchmarkReport {
        let directory = try BenchmarkDirectory(prefix: "lookout-bench-pipeline")
        defer { directory.remove() }
        let fleet = TrafficSample.fleet(options)
        let registryPath = directory.file("devices.csv")
        try fleet.registryCSV.write(toFile: registryPath, atomically: true, encoding: .utf8)

        var configuration = DaemonConfiguration()
        configuration.rulePaths = [options.rulesDirectory]
        configuration.registryPath = registryPath
        configuration.databasePath = directory.file("lookout.db")
        let loaded = RuleLoader.load(configuration)
        guard let ruleSet = loaded.ruleSet, let registry = loaded.registry else {
            throw BenchmarkError(description: "cannot load rules from \(options.rulesDirectory) (run from the package root or pass --rules):\n"
                                 + loaded.renderedDiagnostics + loaded.registryErrors.joined(separator: "\n"))
        }

        // 1 ms apart: a million messages span about 17 minutes of device time.
        let messages = TrafficSample.messages(options, fleet: fleet, spacingMillis: Self.spacingMillis).map {
            MQTTMessage(topic: $0.topic, payload: $0.payload, qos: 1, retained: $0.retain)
        }
        let bytes = messages.reduce(0) { $0 + $1.payload.count }
        let layout = configuration.layout
        let limits = configuration.jsonLimits

        let foundation = BenchmarkTimer.fastest(rounds: options.rounds) {
            var fields = 0
            for message in messages {
                let data = Data(message.payload)
                if let count = JSONBaseline.fieldCount(data) { fields += count }
            }
            consume(fields)
        }
        let decode = BenchmarkTimer.fastest(rounds: options.rounds) {
            consume(decodeStage(messages, layout: layout, limits: limits))
        }
        var actionCount = 0
        let rules = BenchmarkTimer.fastest(rounds: options.rounds) {
            let engine = RuleEngine(ruleSet: ruleSet, registry: registry, maxUnregisteredDevices: configuration.maxUnknownDevices)
            actionCount = rulesStage(messages, layout: layout, limits: limits, engine: engine, batchSize: options.batchSize)
        }

        let count = messages.count
        guard options.runsFullPipeline else {
            return BenchmarkReport(results: [
                BenchmarkResult(name: "baseline: Foundation JSONDecoder, any values", operations: count, bytes: bytes, duration: foundation),
                BenchmarkResult(name: "stage: topic match + JSONParser", operations: count, bytes: bytes, duration: decode),
                BenchmarkResult(name: "stage: decode + RuleEngine (no store)", operations: count, bytes: bytes, duration: rules),
            ], notes: [
                "\(count) messages from \(fleet.devices.count) devices, \(ruleSet.ruleNames.count) rules, rule actions \(actionCount)",
                "stages (per message): decode \(nanos(decode, count)) ns, rules \(nanos(rules - decode, count)) ns",
            ])
        }

        let run = try runPipeline(messages, configuration: configuration, ruleSet: ruleSet, registry: registry, options: options)
        let (full, fullCPU, counters, databaseBytes) = (run.wall, run.cpu, run.counters, run.databaseBytes)
        let commit = Duration.seconds(counters.commitSecondsSum)
        let notes = [
            "\(count) messages from \(fleet.devices.count) devices, \(ruleSet.ruleNames.count) rules, batches of \(options.batchSize)",
            "pipeline: processed \(counters.processed), duplicates \(counters.duplicates), rejected \(counters.rejectedTotal),"
                + " events raised \(counters.eventsRaised.values.reduce(0, +)), rule actions (rules loop) \(actionCount),"
                + " \(counters.commits) commits, database \(databaseBytes / 1_000_000) MB",
            "full pipeline vs Foundation JSONDecoder decoding alone: "
                + ResultTable.format(foundation / full, decimals: 2) + "x",
            "stages (per message): decode \(nanos(decode, count)) ns, rules \(nanos(rules - decode, count)) ns,"
                + " store commit \(nanos(commit, count)) ns, rest (dedup, activity, actions) \(nanos(full - rules - commit, count)) ns",
        ]
        return BenchmarkReport(results: [
            BenchmarkResult(name: "baseline: Foundation JSONDecoder, any values", operations: count, bytes: bytes, duration: foundation),
            BenchmarkResult(name: "stage: topic match + JSONParser", operations: count, bytes: bytes, duration: decode),
            BenchmarkResult(name: "stage: decode + RuleEngine (no store)", operations: count, bytes: bytes, duration: rules),
            BenchmarkResult(name: "stage: store commits only", operations: count, bytes: nil, duration: commit),
            BenchmarkResult(name: "pipeline: IngestPipeline + SQLite", operations: count, bytes: bytes, duration: full),
            BenchmarkResult(name: "pipeline, per CPU second (user + sys)", operations: count, bytes: bytes, duration: fullCPU),
        ], notes: notes)
    }

    /// The full pipeline, once, on a fresh database: wall and CPU time, the pipeline's counters, the database's size.
    private static func runPipeline(_ messages: [MQTTMessage], configuration: DaemonConfiguration, ruleSet: RuleSet,
                                    registry: DeviceRegistry, options: BenchmarkOptions)
        throws -> (wall: Duration, cpu: Duration, counters: PipelineCounters, databaseBytes: Int) {
        // The full pipeline runs once on a fresh database (its state and store only grow). Its clock runs at the
        // speed of the machine from the stream's start, as lookoutd's does when it drains a backlog: time-driven
        // work (device-activity writes, rule-state folding, timers) costs per second what it costs in lookoutd.
        // Opened as lookoutd opens it: the write-ahead log is copied into the database by a checkpoint thread of
        // its own (its CPU time is in the per-CPU-second rate), not inside the batch commits.
        let store = try EventStore(path: configuration.databasePath, options: configuration.ingestStoreOptions)
        let clock = ContinuousClock()
        let log = Logger(level: .warning, output: Logger.Output(journald: false) { _ in })
        let checkpoints = BackgroundService(CheckpointService(log: log) {
            try EventStore(path: configuration.databasePath, options: configuration.storeOptions)
        })
        var started = clock.now
        // From the last message's time: every `ts` is plausible (in the past, within `[device_time] max_age`).
        let clockStart = TrafficSample.lastMillis(of: messages.count, spacingMillis: Self.spacingMillis)
        let pipeline = try IngestPipeline(configuration: configuration, store: store, ruleSet: ruleSet, registry: registry,
                                          log: log, clock: { clockStart + started.duration(to: clock.now).milliseconds })
        started = clock.now
        let cpuStarted = CPUTime.used()
        // Ticked between batches when due, as lookoutd's MQTT loop does.
        var ticker = Ticker(interval: IngestPipeline.tickIntervalSeconds, consumer: PipelineConsumer(pipeline))
        var index = 0
        while index < messages.count {
            let end = min(index + options.batchSize, messages.count)
            try pipeline.ingest(Array(messages[index..<end]))
            ticker.tickIfDue()
            index = end
        }
        pipeline.tick()
        pipeline.flushDeviceActivity()
        checkpoints.stop()
        let full = clock.now - started
        let fullCPU = CPUTime.used() - cpuStarted
        let counters = pipeline.counters
        guard counters.processed > 0 else { throw BenchmarkError(description: "the pipeline processed nothing") }

        if let kept = options.keptDatabasePath {
            // Database and write-ahead log together are consistent: nothing writes any more.
            for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: configuration.databasePath + suffix) {
                try? FileManager.default.removeItem(atPath: kept + suffix)
                try FileManager.default.copyItem(atPath: configuration.databasePath + suffix, toPath: kept + suffix)
            }
        }
        let databaseBytes = (try? FileManager.default.attributesOfItem(atPath: configuration.databasePath)[.size] as? Int) ?? 0
        return (full, fullCPU, counters, databaseBytes)
    }

    /// The decode stage: topic match and payload decoding of every message; returns the fields decoded.
    /// Not inlined, so `valgrind --tool=callgrind --toggle-collect='*decodeStage*'` can count it alone.
    @inline(never)
    static func decodeStage(_ messages: [MQTTMessage], layout: TopicLayout, limits: JSONLimits) -> Int {
        var fields = 0
        for message in messages {
            guard layout.matchSegments(message.topic) != nil,
                  let payload = try? JSONParser.parseObject(message.payload, limits: limits) else { continue }
            fields += payload.fields.count
        }
        return fields
    }

    /// The decode and rules stages: every message decoded and run through `engine`; returns the number of
    /// rule actions. Engine time advances by 1 ms per action so far (as in every earlier run of this stage).
    /// Not inlined, for callgrind (`--toggle-collect='*rulesStage*'`).
    @inline(never)
    static func rulesStage(_ messages: [MQTTMessage], layout: TopicLayout, limits: JSONLimits, engine: RuleEngine, batchSize: Int) -> Int {
        var actions = 0
        for (index, message) in messages.enumerated() {
            // The engine's changed state is taken per batch, as the pipeline takes it for its commit.
            if index % max(batchSize, 1) == 0 { _ = engine.takeStateChanges() }
            guard let segments = layout.matchSegments(message.topic),
                  let payload = try? JSONParser.parseObject(message.payload, limits: limits) else { continue }
            let inbound = InboundMessage(topic: message.topic, segments: segments, payload: payload,
                                         payloadBytes: message.payload, receivedAt: TrafficSample.startMillis + Int64(index))
            actions += engine.process(inbound).count
        }
        return actions
    }

    /// Nanoseconds per message of `duration`, one decimal.
    private static func nanos(_ duration: Duration, _ count: Int) -> String {
        ResultTable.format(BenchmarkResult(name: "", operations: count, bytes: nil, duration: duration).nanosecondsPerOperation, decimals: 0)
    }
}

/// The pipeline as lookoutd's MQTT consumer drives it (without the status row and reloads of `IngestService`),
/// for `Ticker`.
private final class PipelineConsumer: MQTTConsumer {
    let pipeline: IngestPipeline
    init(_ pipeline: IngestPipeline) { self.pipeline = pipeline }
    func mqttDidConnect(sessionPresent: Bool) { pipeline.connected(sessionPresent: sessionPresent) }
    func mqttDidDisconnect(reason: String) { pipeline.disconnected(reason: reason, stopping: false) }
    func mqttDidReceive(_ batch: [MQTTMessage]) throws { try pipeline.ingest(batch) }
    func mqttTick() { pipeline.tick() }
}
