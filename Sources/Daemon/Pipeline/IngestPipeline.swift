import EventCore
import FoundationEssentials
import Glibc
import MQTTClient
import Rules
import Vocabulary

/// From broker batches to committed events: de-duplication, topic matching, decoding with limits, rules,
/// event store, rule state, rejects and message fingerprints, all in ONE transaction per batch. The devices
/// mirror (last seen, online, battery) is display data: coalesced in memory and written at most once per
/// status interval and at shutdown (see `IngestPipeline+DeviceActivity.swift`).
///
/// Runs entirely on the MQTT loop thread: `IngestService`, the MQTT consumer, owns it and calls `ingest` for
/// every batch and `tick` for periodic duties (nothing calls back up). `ingest` returns only after the commit, so the broker gets its acknowledgements only for durable effects; when the commit fails it throws,
/// the connection drops without acknowledging, the engine is rebuilt from the last committed state and the
/// broker redelivers (the MQTT client reconnects with backoff). Malformed input never throws: it is counted
/// by reason and sampled into the store.
public final class IngestPipeline {
    /// Counters for status and metrics.
    public private(set) var counters = PipelineCounters()
    /// The rules in force.
    public var ruleSet: RuleSet { engine.ruleSet }
    /// The registry in force.
    public var registry: DeviceRegistry { engine.registry }
    /// Whether the broker connection is up (subscriptions acknowledged).
    public private(set) var isConnected = false
    /// When the connection last changed state (0: never connected).
    public private(set) var connectionChangedAt: EpochMillis = 0

    let configuration: DaemonConfiguration
    let store: EventStore
    let log: Logger
    let clock: () -> EpochMillis
    var engine: RuleEngine
    /// Positions of the segments every message is checked by, in `configuration.layout` (no search by name).
    let segmentSlots: KeySegmentSlots
    var fingerprints: FingerprintMemory
    private var trackedUnknownDevices: Set<String> = []
    /// Communities of the registry in force (alarms of unregistered devices fold per community only for these).
    var registryCommunities: Set<String> = []
    /// Rejected values per registered device towards its `implausible_data` event (see `IngestPipeline+Input.swift`).
    var implausibleTallies: [String: ImplausibleTally] = [:]
    /// Device ids each folded event is known to keep, by event id (see `IngestPipeline+Input.swift`).
    var foldedSenders: [String: Set<String>] = [:]
    private var engineNeedsRestore = false
    private var commitFailureStreak = 0
    /// When each periodic duty of `tick` is next due.
    var duties: DutySchedule<Duty>
    /// The current backoff of rule timers after a failed commit (0: none).
    private var timerRetryDelay: EpochMillis = 0
    private var hasConnectedBefore = false
    /// Whether the broker may still be resending what it sent before the connection (re)started: from a connect
    /// to a resumed session until the first QoS 1/2 message that is not one already committed. The broker sends
    /// its resends first, in order (its in-flight window before the subscription is confirmed, the rest of a
    /// restored queue after it), so the first new message ends them.
    private var resendBurstOpen = false
    /// Device activity not yet written to the devices mirror, by device (see `IngestPipeline+DeviceActivity.swift`).
    var pendingDeviceActivity: [String: PendingDeviceActivity] = [:]
    /// The last message of each topic processed since the topic states were last written, by topic hash
    /// (see `IngestPipeline+Retained.swift`).
    var pendingTopicStates: [UInt64: PendingTopicState] = [:]
    /// Number of the batch being read (a status message's online state holds against the rest of its batch).
    var batchSerial: UInt64 = 0
    /// Devices still to be written in the current round, last first (see `IngestPipeline+DeviceActivity.swift`).
    var deviceActivityRound: [String] = []
    /// Time spent writing in the current round.
    var deviceActivityRoundTime: Duration = .zero
    /// Bytes of rule-state changes logged and not yet folded (see `IngestPipeline+RuleStateLog.swift`).
    var ruleStateLogBytes: Int64 = 0
    /// When the oldest unfolded rule-state change was logged.
    var ruleStateLogSince: EpochMillis = 0
    /// Devices and residents the engine currently holds an away note for, with its end.
    private var awayDevices: [String: EpochMillis] = [:]
    /// Rule counters of engines replaced after a failed commit, so metrics keep counting up.
    private var retiredRuleCounters: [String: RuleCounters] = [:]
    private var retiredEngineCounters = EngineCounters()
    /// Whether this pipeline writes the registry into the devices table itself (else its owner has it written
    /// from a thread of its own, `RegistryMirrorService`).
    private let mirrorsRegistry: Bool
    /// Levels of the hand-off topic pattern (`lookout`, `events`, `{level}`, `{id}`).
    private let handoffLevels: [String]
    /// The hand-off pattern's first level and its slash (`lookout/`) when that level is literal: most topics differ
    /// from it in their first byte, so they are told apart by one comparison of memory, without a split.
    private let handoffPrefix: [UInt8]?

    /// Builds the pipeline: restores the engine's saved state and the fingerprints of recent messages, and
    /// mirrors the registry into the store (in one transaction, before it returns). Public for
    /// `lookout-bench pipeline`, which drives it without a broker.
    public convenience init(configuration: DaemonConfiguration, store: EventStore, ruleSet: RuleSet, registry: DeviceRegistry,
                            log: Logger, clock: @escaping () -> EpochMillis = WallClock.now) throws {
        try self.init(configuration: configuration, store: store, ruleSet: ruleSet, registry: registry, log: log,
                      clock: clock, mirrorsRegistry: true)
    }

    /// Builds the pipeline as lookoutd does with `mirrorsRegistry` false: its owner has the registry written into
    /// the devices table from a thread of its own, so start-up and reloads do not wait for it.
    init(configuration: DaemonConfiguration, store: EventStore, ruleSet: RuleSet, registry: DeviceRegistry,
         log: Logger, clock: @escaping () -> EpochMillis = WallClock.now, mirrorsRegistry: Bool) throws {
        self.configuration = configuration
        self.store = store
        self.log = log
        self.clock = clock
        self.mirrorsRegistry = mirrorsRegistry
        self.segmentSlots = KeySegmentSlots(configuration.layout)
        let handoffLevels = configuration.handoffTopic.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        self.handoffLevels = handoffLevels
        self.handoffPrefix = handoffLevels.count > 1 && !IngestPipeline.isPlaceholder(handoffLevels[0])
            ? Array((handoffLevels[0] + "/").utf8) : nil
        let now = clock()
        self.duties = DutySchedule { Self.interval(of: $0, configuration) }
        self.engine = RuleEngine(ruleSet: ruleSet, registry: registry, maxUnregisteredDevices: configuration.maxUnknownDevices)
        self.registryCommunities = Set(registry.devices.values.map(\.community))
        self.fingerprints = FingerprintMemory(window: configuration.dedupWindowSeconds * 1000, now: now)
        try restoreEngine(now: now)
        ruleStateLogBytes = try store.ruleStateLogBytes()
        ruleStateLogSince = now
        fingerprints.insert(try store.recentMessageFingerprints(since: 0))
        for batch in try store.newestMessageBatches(limit: FingerprintMemory.keptBatches) { fingerprints.insertBatch(batch) }
        if mirrorsRegistry { try store.mirrorRegistry(registry, at: now) }
    }

    /// The periodic duties of `tick`.
    enum Duty: Int, CaseIterable {
        /// Rule timers (every tick; backed off after a failed commit).
        case timers
        /// Escalation deadlines and ended silences.
        case escalations
        /// Reading away notes into the engine.
        case awayNotes
        /// Forgetting `implausible_data` tallies whose window has passed.
        case tallyPrune
        /// Pruning the change feed and outbox (`IngestPipeline+Housekeeping.swift`).
        case housekeeping
        /// Writing the last message of each topic (`IngestPipeline+Retained.swift`).
        case topicStates
        /// Starting a round of writing the devices mirror (`IngestPipeline+DeviceActivity.swift`).
        case deviceActivity
    }

    /// How often each duty recurs, in milliseconds.
    static func interval(of duty: Duty, _ configuration: DaemonConfiguration) -> EpochMillis {
        switch duty {
        case .timers: 0
        case .escalations: 1_000
        case .awayNotes: 30_000
        case .tallyPrune: 60_000
        case .housekeeping: housekeepingIntervalMillis
        case .topicStates, .deviceActivity: EpochMillis(configuration.statusIntervalSeconds * 1000)
        }
    }

    /// Seconds between `tick` calls in lookoutd (timers, escalations, device mirror, folding).
    public static let tickIntervalSeconds = 0.2

    // MARK: Broker connection, batches and ticks (called by the owner on the loop thread)

    /// The connection is up and subscribed. Returns whether it is the first connection since start.
    @discardableResult
    public func connected(sessionPresent: Bool) -> Bool {
        let first = !hasConnectedBefore
        if hasConnectedBefore { counters.brokerReconnects += 1 }
        hasConnectedBefore = true
        isConnected = true
        connectionChangedAt = clock()
        resendBurstOpen = sessionPresent
        let line = "connected to broker \(configuration.broker.host):\(configuration.broker.port) as \(configuration.broker.clientID)"
            + " (session \(sessionPresent ? "resumed" : "new")), subscribed to \(configuration.effectiveSubscriptions.joined(separator: ", "))"
        // While commits fail, every retry is a reconnect for redelivery: the streak's own lines (failed, succeed
        // again) tell the story, one reconnect line per retry would bury it.
        if commitFailureStreak > 0 { log.debug(line) } else { log.info(line) }
        return first
    }

    /// The connection went down; `stopping` when the daemon is stopping (then it is expected, not a warning).
    public func disconnected(reason: String, stopping: Bool) {
        isConnected = false
        connectionChangedAt = clock()
        if stopping {
            log.info("disconnected from the broker")
            return
        }
        if commitFailureStreak > 1 {
            log.debug("broker connection lost: \(reason); reconnecting")
        } else {
            log.warning("broker connection lost: \(reason); reconnecting")
        }
    }

    /// Processes one batch read from the broker and commits it; throws when the commit failed (then nothing of
    /// the batch may be acknowledged: the broker redelivers it).
    public func ingest(_ batch: [MQTTMessage]) throws {
        let now = clock()
        try restoreEngineIfNeeded(now: now)
        counters.countReceived(batch.count, at: now)
        var work = BatchWork()
        batchSerial &+= 1
        var inBatch = FingerprintSet(minimumCapacity: batch.count)
        for message in batch { try read(message, at: now, into: &work, inBatch: &inBatch) }
        try commit(work, now: now)
    }

    /// One message of a batch: de-duplication, topic, payload, device time, then the rules. What it does to
    /// the store goes into `work`; a message that is skipped or rejected is counted there.
    private func read(_ message: MQTTMessage, at now: EpochMillis, into work: inout BatchWork, inBatch: inout FingerprintSet) throws {
        let hashes = messageFingerprints(topic: message.topic, payload: message.payload)
        let fingerprint = hashes.message
        guard isNewDelivery(message, fingerprint: fingerprint, work: &work) else { return }
        guard let segments = configuration.layout.matchSegments(message.topic) else {
            work.reject("unknown_topic", message, at: now)
            return
        }
        let deviceID = segments.value("device", slot: segmentSlots.device) ?? ""
        let kind = segments.value("kind", slot: segmentSlots.kind) ?? ""
        let lookup = deviceID.isEmpty ? nil : engine.lookUp(deviceID)
        let record = lookup?.record
        guard var decoded = decode(message, segments: segments, deviceID: deviceID, kind: kind, record: record,
                                   work: &work, at: now) else { return }
        guard let deviceTime = readDeviceTime(of: message, fingerprint: fingerprint, decoded: &decoded, deviceID: deviceID,
                                              kind: kind, record: record, work: &work, inBatch: &inBatch, at: now) else { return }
        if message.retained, try isKnownRetained(topicHash: hashes.topic, fingerprint: fingerprint, deviceTime: deviceTime) {
            work.fingerprints.removeLast()
            work.retainedKnown += 1
            return
        }
        var inbound = InboundMessage(topic: message.topic, segments: segments, payload: decoded.payload,
                                     payloadBytes: message.payload, receivedAt: now)
        inbound.deviceTime = deviceTime
        inbound.retained = message.retained
        let firstAction = work.actions.count
        work.actions.append(contentsOf: engine.process(inbound, device: lookup))
        // A raise by this very message keeps the device time just read: `deviceTime(ofPayload:)` would parse the
        // payload again and judge it at the same time (retained: false), so only where that gives the same.
        if !message.retained, !decoded.fieldsRejected {
            for index in firstAction..<work.actions.count where work.actions[index].effect == .raise
                && Self.isText(work.actions[index].payloadText, of: message.payload) {
                work.payloadDeviceTimes[index] = deviceTime
            }
        }
        if noteActivity(deviceID, kind: kind, segments: segments, payload: decoded.payload, registered: record != nil, at: now) {
            noteTopicState(topicHash: hashes.topic, fingerprint: fingerprint, deviceTime: deviceTime)
        }
        work.processed += 1
    }

    /// Whether a message is to be read: not a redelivery of one already committed, not our own hand-off. A
    /// message to be read has its delivery key added to `work.fingerprints` (the last one, replaced below by
    /// its payload fingerprint when it has a plausible `ts`).
    private func isNewDelivery(_ message: MQTTMessage, fingerprint: UInt64, work: inout BatchWork) -> Bool {
        // What counts as the same message (docs/developers.md, "Delivery guarantees"). Without a plausible `ts`: the same
        // topic, payload and packet identifier, read in the broker's resend burst after a (re)connect, the
        // only place a redelivery can be; the same payload at any other moment is a new occurrence. With
        // one: the same topic and payload (so the same `ts`), whenever it comes (`readDeviceTime`).
        let delivery = deliveryKey(fingerprint, packetID: message.packetID)
        if message.qos > 0 && (message.mayBeRedelivery || resendBurstOpen) {
            // A resend of a reading with a `ts` is known by its payload (checked later as well).
            if fingerprints.contains(delivery) || fingerprints.contains(fingerprint) {
                work.duplicates += 1
                return false
            }
            resendBurstOpen = false
        }
        if isOwnHandoff(message.topic) {
            work.ownHandoff += 1
            return false
        }
        work.fingerprints.append(delivery)
        return true
    }

    /// A payload as decoded, with its rejected fields removed.
    private struct DecodedPayload {
        var payload: JSONObject
        /// Whether fields were removed for a wrong type or an impossible value.
        var fieldsRejected = false
    }

    /// The topic checked against the registry and the payload decoded within limits and checked against the
    /// schema of its kind; nil when the message is rejected whole (counted and sampled in `work`).
    private func decode(_ message: MQTTMessage, segments: TopicSegments, deviceID: String, kind: String, record: DeviceRecord?,
                        work: inout BatchWork, at now: EpochMillis) -> DecodedPayload? {
        let kindIndex: Int?
        switch checkTopic(segments, record: record) {
        case .accept(let index):
            kindIndex = index
        case .reject(let reason, let detail, let contradicted):
            work.reject(reason, message, at: now, deviceID: deviceID, detail: detail)
            noteRejected(deviceID, kind: kind, reason: reason, registered: record != nil, at: now)
            // A registered device that keeps sending on a topic its registry entry contradicts is misconfigured
            // (or impersonated): like impossible values, it counts towards the device's `implausible_data`.
            if let contradicted { countImplausible(contradicted, kind: kind, detail: detail, message: message, work: &work, at: now) }
            return nil
        }
        var decoded: DecodedPayload
        do {
            decoded = DecodedPayload(payload: try JSONParser.parseObject(message.payload, limits: configuration.jsonLimits))
        } catch {
            work.reject(error.reason, message, at: now, deviceID: deviceID)
            noteRejected(deviceID, kind: kind, reason: error.reason, registered: record != nil, at: now)
            return nil
        }
        if let kindIndex {
            let violations = configuration.payloadSchema.violations(in: decoded.payload, kind: kindIndex)
            if !violations.isEmpty {
                decoded.fieldsRejected = true
                rejectFields(violations, from: &decoded.payload, of: message, deviceID: deviceID, kind: kind, record: record,
                             work: &work, at: now)
            }
        }
        return decoded
    }

    /// The device time of a decoded payload: `.some(nil)` without one (or with an implausible one, then removed
    /// from the payload and counted), nil when the reading is one already read (a duplicate, counted in `work`).
    private func readDeviceTime(of message: MQTTMessage, fingerprint: UInt64, decoded: inout DecodedPayload, deviceID: String,
                                kind: String, record: DeviceRecord?, work: inout BatchWork, inBatch: inout FingerprintSet,
                                at now: EpochMillis) -> EpochMillis?? {
        switch configuration.deviceTime.reading(of: decoded.payload, receivedAt: now, retained: message.retained) {
        case .absent:
            return .some(nil)
        case .plausible(let time):
            if fingerprints.contains(fingerprint) || !inBatch.insert(fingerprint) {
                work.fingerprints.removeLast()
                work.duplicates += 1
                return nil
            }
            work.fingerprints[work.fingerprints.count - 1] = fingerprint
            return .some(time)
        case .implausible(let why):
            // Like a field out of range: counted and sampled, the rest evaluated on the time of arrival (a
            // smoke alarm from a detector whose clock was reset is still a smoke alarm).
            work.reject(DeviceTimePolicy.rejectReason, message, at: now, deviceID: deviceID, detail: why)
            noteRejected(deviceID, kind: kind, reason: DeviceTimePolicy.rejectReason, registered: record != nil, at: now)
            decoded.payload.fields.removeAll { $0.key == "ts" }
            // A clock that keeps lying is implausible data like any other value (once per message).
            if let record, !decoded.fieldsRejected {
                countImplausible(record, kind: kind, detail: why, message: message, work: &work, at: now)
            }
            return .some(nil)
        }
    }

    /// The periodic duties: rule timers and escalations, away notes, the devices mirror, housekeeping.
    public func tick() {
        let now = clock()
        if duties.take(.timers, at: now) { runTimers(now: now) }
        rotateFingerprints(now: now)
        refreshAwayNotes(now: now)
        pruneImplausibleTallies(now: now)
        flushDeviceActivityIfDue(now: now)
        flushTopicStatesIfDue(now: now)
        compactRuleStateIfDue(now: now)
        housekeepIfDue(now: now)
    }

    /// Rule timers and escalations in one transaction; after a failed commit, retried with backoff.
    private func runTimers(now: EpochMillis) {
        do {
            try restoreEngineIfNeeded(now: now)
            var work = BatchWork()
            work.actions = engine.tick(now: now)
            work.checkEscalations = duties.take(.escalations, at: now)
            try commit(work, now: now)
            timerRetryDelay = 0
        } catch {
            // Logged and counted by `commit`; retried from the restored state after a growing delay.
            timerRetryDelay = min(max(timerRetryDelay * 2, 500), 30_000)
            duties.postpone(.timers, until: now + timerRetryDelay)
        }
    }

    // MARK: Rules and registry

    /// Replaces rules and registry together, between two batches: rules compiled against a registry's columns
    /// never run with another registry. The engine keeps the state of unchanged rules. Throws only when the
    /// pipeline mirrors the registry itself and that write fails (rules and registry are in force then).
    public func replace(ruleSet: RuleSet, registry: DeviceRegistry) throws {
        engine.replaceRules(ruleSet)
        engine.replaceRegistry(registry)
        registryCommunities = Set(registry.devices.values.map(\.community))
        trackedUnknownDevices = trackedUnknownDevices.filter { registry[$0] == nil }
        if mirrorsRegistry { try store.mirrorRegistry(registry, at: clock()) }
    }

    // MARK: Committing

    /// Everything one batch (or tick) does to the store.
    struct BatchWork {
        var actions: [RuleAction] = []
        /// For raises of `actions` (by index) whose payload is the message just read: its device time (nil: none
        /// plausible), so the raise does not parse the payload again.
        var payloadDeviceTimes: [Int: EpochMillis?] = [:]
        var fingerprints: [UInt64] = []
        var rejects: [RejectedMessage] = []
        var rejectCounts: [String: Int64] = [:]
        var processed: Int64 = 0
        var duplicates: Int64 = 0
        var retainedKnown: Int64 = 0
        var ownHandoff: Int64 = 0
        var checkEscalations = false

        /// Counts a reject; keeps a sample of the first few per batch for inspection, with the device the topic
        /// names and what exactly was wrong.
        mutating func reject(_ reason: String, _ message: MQTTMessage, at now: EpochMillis, deviceID: String = "", detail: String = "") {
            rejectCounts[reason, default: 0] += 1
            guard rejects.count < 100 else { return }
            rejects.append(RejectedMessage(at: now, reason: reason, topic: message.topic, payload: message.payload,
                                           deviceID: deviceID, detail: detail))
        }

        /// Whether there is nothing to write.
        var isEmpty: Bool {
            actions.isEmpty && fingerprints.isEmpty && rejects.isEmpty && !checkEscalations
        }
    }

    /// Applies a batch in one transaction, then updates memory and counters. On failure: logs (once per
    /// failure streak), counts, schedules an engine restore, and rethrows.
    private func commit(_ work: BatchWork, now: EpochMillis) throws {
        var stateChanges = engine.takeStateChanges()
        guard !work.isEmpty || !stateChanges.isEmpty else {
            counters.duplicates += work.duplicates
            counters.retainedKnown += work.retainedKnown
            counters.ownHandoff += work.ownHandoff
            return
        }
        let started = ContinuousClock.now
        var raised: [AlertLevel: Int64] = [:]
        var escalated: [Escalation] = []
        var released: [EventRecord] = []
        var renotified: Int64 = 0
        var loggedStateBytes: Int64 = 0
        do {
            // All or nothing (a failed batch is redelivered whole): the store's steps take no savepoints.
            try store.batchTransaction {
                for (index, action) in work.actions.enumerated() {
                    switch try apply(action, arrivedAt: now, payloadDeviceTime: work.payloadDeviceTimes[index]) {
                    case .raised(let level): raised[level, default: 0] += 1
                    case .renotified: renotified += 1
                    case .other: break
                    }
                }
                // Actions may have changed state after the first take (none do today, but be exact).
                stateChanges += engine.takeStateChanges()
                if !stateChanges.isEmpty { loggedStateBytes = try store.saveRuleState(stateChanges.map { ($0.key, $0.value) }) }
                try store.rememberMessages(work.fingerprints, at: now)
                try store.recordRejects(work.rejects)
                if work.checkEscalations {
                    // Events hidden by a silence that ended are shown first, so their new deadlines count.
                    released = try store.releaseEndedSilences(now: now)
                    escalated = try store.runEscalations(now: now)
                }
            }
        } catch {
            commitFailed(error)
            throw error
        }
        let elapsed = started.duration(to: .now)
        counters.countCommit(seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18, at: now)
        // A transaction that wrote nothing (a timer tick with nothing due) commits even on a full disk: only a
        // commit that wrote rows proves the database is writable again.
        let wroteRows = !work.actions.isEmpty || !work.fingerprints.isEmpty || !work.rejects.isEmpty
            || !stateChanges.isEmpty || !escalated.isEmpty || !released.isEmpty
        if commitFailureStreak > 0 && wroteRows {
            log.info("database commits succeed again after \(commitFailureStreak) failed attempt(s)")
            commitFailureStreak = 0
            counters.commitsFailing = nil
        }
        fingerprints.insertBatch(work.fingerprints)
        noteRuleStateLogged(bytes: loggedStateBytes, at: now)
        counters.duplicates += work.duplicates
        counters.retainedKnown += work.retainedKnown
        counters.ownHandoff += work.ownHandoff
        counters.processed += work.processed
        for (reason, count) in work.rejectCounts {
            counters.rejected[reason, default: 0] += count
            log.warning("rejected \(count) message(s): \(reason)", key: "reject:\(reason)")
        }
        for (level, count) in raised { counters.eventsRaised[level, default: 0] += count }
        counters.renotifications += renotified
        counters.escalations += Int64(escalated.count)
        for event in released {
            log.info("shown \(event.id) \(event.level.rawValue) (\(event.rule), \(event.deviceID)): its maintenance silence ended",
                     key: Self.eventLogKey("unsilenced", rule: event.rule, level: event.level))
        }
        // A missed deadline or a step of the chain needs a person: warning, so `journalctl -p warning` shows it.
        // The line says what the escalation did (teams brought in, a level changed), as the timeline does.
        for escalation in escalated {
            let event = escalation.event
            log.warning("escalated \(event.id) \(event.level.rawValue) (\(event.rule), \(event.deviceID)): \(escalation.note)",
                        key: Self.eventLogKey("escalated", rule: event.rule, level: event.level))
        }
    }

    /// The log's flood-guard key for a line about an event: a rule's lines beyond `eventLogBurst` within the log's
    /// window are counted instead of written, except for red events, each of which gets its own line (a red
    /// event is someone's emergency; its line is never folded into "similar lines suppressed").
    static func eventLogKey(_ what: String, rule: String, level: AlertLevel) -> Logger.Key? {
        level == .red ? nil : Logger.Key("\(what):\(rule)", burst: eventLogBurst)
    }

    /// Lines about events of one rule (per kind of line) written per log window before the rest are counted:
    /// a burst of alarms (a building's doors, a street's covers after a storm) is logged line by line, each with
    /// its event id; only a flood beyond this (a fleet gone offline) is folded into a count.
    static let eventLogBurst = 100

    /// What applying one action did.
    private enum ApplyOutcome { case raised(AlertLevel), renotified, other }

    /// Applies one rule action to the store (inside the batch transaction) at `arrivedAt`, when the batch (or
    /// tick) that produced it arrived: the event core's clock is the time of arrival, whatever the engine's.
    /// `payloadDeviceTime`, when known, is the device time of the action's payload as read on arrival.
    private func apply(_ action: RuleAction, arrivedAt: EpochMillis, payloadDeviceTime: EpochMillis?? = nil) throws -> ApplyOutcome {
        switch action.effect {
        case .raise:
            if var folded = foldedTrigger(for: action) {
                folded.at = arrivedAt
                folded.occurredAt = payloadDeviceTime ?? deviceTime(ofPayload: action.payloadText, raisedAt: arrivedAt)
                let result = try store.raise(folded)
                try noteFoldedSender(eventID: result.event.id, deviceID: action.deviceID, at: arrivedAt)
                guard result.created else { return .other }
                log.info("raised \(result.event.id) \(result.event.level.rawValue) \(folded.rule) \(action.deviceID): \(result.event.title)",
                         key: Self.eventLogKey("raised", rule: folded.rule, level: result.event.level))
                return .raised(result.event.level)
            }
            let result = try store.raise(trigger(for: action, arrivedAt: arrivedAt, payloadDeviceTime: payloadDeviceTime))
            guard result.created else { return .other }
            log.info("raised \(result.event.id) \(result.event.level.rawValue) \(action.rule) \(action.deviceID): \(result.event.title)",
                     key: Self.eventLogKey("raised", rule: action.rule, level: result.event.level))
            return .raised(result.event.level)
        case .clear:
            let note = action.topic.isEmpty ? "cleared by rule \(action.rule)" : "cleared by device \(action.deviceID)"
            _ = try store.clear(eventKey: action.eventKey, at: arrivedAt, note: note)
            return .other
        case .downgrade:
            let note = "lowered to \(action.level.rawValue) by rule \(action.rule)"
            _ = try store.downgrade(eventKey: action.eventKey, to: action.level, at: arrivedAt, note: note)
            return .other
        case .renotify:
            try store.renotify(eventKey: action.eventKey, at: arrivedAt)
            return .renotified
        }
    }

    /// Whether `topic` is one of our own hand-off publications (a broad subscription such as `+/+/+/+` or `#`
    /// would otherwise feed them back in as device messages).
    private func isOwnHandoff(_ topic: String) -> Bool {
        guard configuration.handoffEnabled else { return false }
        // Most topics differ in the first level already (`lookout/…` against `c01/…`): no split for them.
        if let handoffPrefix, !Self.hasPrefix(topic, handoffPrefix) { return false }
        let levels = topic.split(separator: "/", omittingEmptySubsequences: false)
        guard levels.count == handoffLevels.count else { return false }
        for (level, pattern) in zip(levels, handoffLevels) where !Self.isPlaceholder(pattern) {
            if level != pattern { return false }
        }
        return true
    }

    /// Whether a level of the hand-off pattern stands for any value (`{level}`, `{id}`).
    private static func isPlaceholder(_ level: String) -> Bool { level.hasPrefix("{") && level.hasSuffix("}") }

    /// Whether the UTF-8 of `topic` starts with `prefix` (one comparison of memory).
    static func hasPrefix(_ topic: String, _ prefix: [UInt8]) -> Bool {
        var topic = topic
        return topic.withUTF8 { utf8 in
            guard utf8.count >= prefix.count else { return false }
            guard let a = utf8.baseAddress, !prefix.isEmpty else { return true }
            return prefix.withUnsafeBufferPointer { memcmp(a, $0.baseAddress!, prefix.count) == 0 }
        }
    }

    /// The event-core trigger for a raise: level mapping and registry location (the store applies deadline defaults).
    /// Its time is `arrivedAt`, when the report arrived (deadlines, escalation and the 15-minute circle count
    /// from there, so a late report is never overdue before anyone could see it); beside it, the device time of
    /// the report it is about (the payload it shows), also when a hold (`for 3s`) completes on a later tick.
    func trigger(for action: RuleAction, arrivedAt: EpochMillis, payloadDeviceTime: EpochMillis?? = nil) -> EventTrigger {
        let level = action.level
        var title = action.title
        var description = action.description
        let location: EventLocation
        if !action.group.isEmpty {
            // A group event concerns several devices: it says where the group is (the values it is keyed by, and
            // the grid and owner it is routed by), never one device's unit, address or resident.
            let record = action.device
            location = EventLocation(
                community: action.groupFields["community"] ?? record?.community ?? "", building: action.groupFields["building"] ?? "",
                unit: action.groupFields["unit"] ?? "", grid: action.groupFields["grid"] ?? record?.grid ?? "",
                owner: action.groupFields["owner"] ?? record?.owner ?? "", registered: record != nil)
        } else if let record = action.device {
            location = EventLocation(record: record)
        } else {
            location = EventLocation(registered: false)
            title += " (unregistered device \(action.deviceID))"
            let note = "unregistered device \(action.deviceID): not in the device registry, location unknown"
            description = description.isEmpty ? note : "\(description)\n\(note)"
        }
        var trigger = EventTrigger(
            rule: action.rule, eventKey: action.eventKey, level: level, escalateTo: action.escalateTo,
            kind: action.kind, deviceID: action.deviceID, group: action.group, location: location, title: title,
            description: description, teams: action.teams,
            ackWithinSeconds: action.ackWithinSeconds, onsiteWithinSeconds: action.onsiteWithinSeconds,
            mergeWithinSeconds: action.mergeWithinSeconds,
            topic: action.topic, payload: action.payloadText, at: arrivedAt)
        trigger.lifeSafety = action.lifeSafety
        trigger.upgradeReason = action.upgradeReason
        trigger.escalation = action.escalation.map { step in
            EscalationStep(afterMillis: step.afterMillis, condition: EscalationStep.Condition(rawValue: step.condition.rawValue) ?? .open,
                           level: step.level, teams: step.teams, reportIn: step.reportIn)
        }
        if action.group.isEmpty { trigger.emergencyPhone = action.device?.emergencyPhone ?? "" }
        trigger.occurredAt = payloadDeviceTime ?? deviceTime(ofPayload: action.payloadText, raisedAt: arrivedAt)
        return trigger
    }

    /// Whether `text` is exactly the bytes `payload` (one comparison of memory, no walk by character).
    static func isText(_ text: String, of payload: [UInt8]) -> Bool {
        var text = text
        return text.withUTF8 { utf8 in
            guard utf8.count == payload.count else { return false }
            guard let a = utf8.baseAddress else { return true }
            return payload.withUnsafeBufferPointer { memcmp(a, $0.baseAddress!, payload.count) == 0 }
        }
    }

    /// The plausible `ts` of an action's payload (the report the event is about), judged at `raisedAt`; nil
    /// without one, or for actions of no report (absence). Parsed again per raise, not per message.
    func deviceTime(ofPayload text: String, raisedAt: EpochMillis) -> EpochMillis? {
        guard !text.isEmpty, let payload = try? JSONParser.parseObject(Array(text.utf8), limits: configuration.jsonLimits),
              case .plausible(let time) = configuration.deviceTime.reading(of: payload, receivedAt: raisedAt, retained: false) else {
            return nil
        }
        return time
    }

    /// Whether the devices mirror keeps activity of `device`: every registered device, and unregistered ones
    /// within `max_unknown_devices` (those beyond are counted).
    func tracksActivity(of device: String, registered: Bool) -> Bool {
        if !registered && !trackedUnknownDevices.contains(device) {
            guard trackedUnknownDevices.count < configuration.maxUnknownDevices else {
                counters.unknownDevicesOverCap += 1
                return false
            }
            trackedUnknownDevices.insert(device)
        }
        return true
    }

    /// Records that a device was heard from (last seen, online, battery), within the unknown-device cap.
    /// Returns whether the device is tracked (registered, or an unregistered one within the cap). Needs nothing
    /// of the engine: `registered` comes from the message's one look-up.
    @discardableResult
    private func noteActivity(_ device: String, kind: String, segments: TopicSegments, payload: JSONObject, registered: Bool,
                              at now: EpochMillis) -> Bool {
        guard !device.isEmpty, tracksActivity(of: device, registered: registered) else { return false }
        var reportedOnline: Bool?
        if segments.value("channel", slot: segmentSlots.channel) == "status", case .bool(let online)? = payload["online"] { reportedOnline = online }
        var battery: Double?
        if case .number(let percent)? = payload["battery_pct"], (0...100).contains(percent) { battery = percent }
        pendingDeviceActivity[device, default: PendingDeviceActivity(DeviceActivity(deviceID: device, kind: kind, at: now))]
            .note(kind: kind, at: now, online: reportedOnline, batteryPercent: battery, batch: batchSerial)
        return true
    }

    // MARK: Failure and recovery

    private func commitFailed(_ error: any Error) {
        counters.commitFailures += 1
        commitFailureStreak += 1
        foldedSenders = [:]
        let diskFull = (error as? SQLiteError)?.isDiskFull ?? false
        if counters.commitsFailing?.diskFull != diskFull {
            counters.commitsFailing = (since: counters.commitsFailing?.since ?? clock(), diskFull: diskFull)
        }
        engineNeedsRestore = true
        if commitFailureStreak == 1 {
            log.error("database commit failed: \(error); nothing is acknowledged to the broker, messages will be redelivered and retried")
        } else {
            log.debug("database commit failed again (\(commitFailureStreak) in a row): \(error)")
        }
    }

    private func restoreEngineIfNeeded(now: EpochMillis) throws {
        guard engineNeedsRestore else { return }
        try restoreEngine(now: now)
    }

    /// Rebuilds the engine from the committed state, so a failed batch leaves no trace when redelivered.
    private func restoreEngine(now: EpochMillis) throws {
        let fresh = RuleEngine(ruleSet: engine.ruleSet, registry: engine.registry,
                               maxUnregisteredDevices: configuration.maxUnknownDevices)
        try fresh.restoreState(now: now) { restore in try store.forEachRuleState(restore) }
        _ = fresh.takeStateChanges()
        for (rule, counters) in engine.ruleCounters { retiredRuleCounters[rule, default: RuleCounters()].add(counters) }
        retiredEngineCounters.evictedDevices += engine.counters.evictedDevices
        retiredEngineCounters.droppedStateEntries += engine.counters.droppedStateEntries
        engine = fresh
        engineNeedsRestore = false
        awayDevices = [:]
        duties.postpone(.awayNotes, until: 0)
        refreshAwayNotes(now: now)
    }

    private func rotateFingerprints(now: EpochMillis) {
        guard let before = fingerprints.rotate(now: now) else { return }
        do {
            try store.pruneMessageFingerprints(before: before, keepingLatestBatches: FingerprintMemory.keptBatches)
        } catch {
            log.warning("could not prune message fingerprints: \(error)", key: "prune-fingerprints")
        }
    }

    /// Feeds away notes from the store to the engine every 30 s. A note's subject is a device id or a resident
    /// id (the engine applies either to every device of that resident). A resident's name, as older notes were
    /// written, counts only when one resident has it: two residents of the same name are never merged (such a
    /// note is logged and applies to neither, so their absence checks still run).
    private func refreshAwayNotes(now: EpochMillis) {
        guard duties.take(.awayNotes, at: now) else { return }
        let notes: [AwayNote]
        do {
            notes = try store.listAwayNotes(now: now)
        } catch {
            log.warning("could not read away notes: \(error)", key: "away-notes")
            return
        }
        var wanted: [String: EpochMillis] = [:]
        /// Resident ids, and the residents (`residentKey`) of each name; read from the registry only when a note
        /// names no device.
        var residents: (ids: Set<String>, byName: [String: Set<String>])?
        for note in notes {
            var subject = note.subject
            if engine.registry[subject] == nil {
                if residents == nil {
                    var ids: Set<String> = [], byName: [String: Set<String>] = [:]
                    for record in engine.registry.devices.values where !record.residentID.isEmpty || !record.residentName.isEmpty {
                        if !record.residentID.isEmpty { ids.insert(record.residentID) }
                        if !record.residentName.isEmpty { byName[record.residentName, default: []].insert(record.residentKey) }
                    }
                    residents = (ids, byName)
                }
                if let residents, !residents.ids.contains(subject), let keys = residents.byName[subject] {
                    guard keys.count == 1, let key = keys.first else {
                        log.warning("away note \(note.id) names '\(subject)', the name of \(keys.count) residents: it applies to none of them (name the resident id or a device)",
                                    key: "away-note-name")
                        continue
                    }
                    subject = key
                }
            }
            wanted[subject] = max(wanted[subject] ?? 0, note.until)
        }
        for (device, until) in wanted where awayDevices[device] != until { engine.setAway(deviceID: device, until: until) }
        for device in awayDevices.keys where wanted[device] == nil { engine.setAway(deviceID: device, until: nil) }
        if wanted.count != awayDevices.count { log.debug("away notes in force for \(wanted.count) device(s) or resident(s)") }
        awayDevices = wanted
    }

    /// Rule counters since start, in rule order (for metrics).
    public var ruleCounters: [(rule: String, counters: RuleCounters)] {
        engine.ruleCounters.map { entry in
            var counters = entry.counters
            if let retired = retiredRuleCounters[entry.rule] { counters.add(retired) }
            return (entry.rule, counters)
        }
    }

    /// Engine counters since start (evicted unregistered devices, dropped state).
    public var engineCounters: EngineCounters {
        var counters = engine.counters
        counters.evictedDevices += retiredEngineCounters.evictedDevices
        counters.droppedStateEntries += retiredEngineCounters.droppedStateEntries
        return counters
    }
}

extension RuleCounters {
    /// Adds another set of counters to this one.
    mutating func add(_ other: RuleCounters) {
        evaluations += other.evaluations
        raised += other.raised
        cleared += other.cleared
        suppressed += other.suppressed
        missingFields += other.missingFields
        wrongTypes += other.wrongTypes
        flapping += other.flapping
        errors += other.errors
    }
}
