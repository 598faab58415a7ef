@testable import Daemon
import EventCore
import Foundation
import LookoutTestSupport
import MQTTClient
@testable import Rules
import Testing
import Vocabulary

/// The pipeline against a real SQLite file, fed batches directly (no broker).
@Suite struct IngestPipelineTests {
    final class Fixture {
        let directory: TemporaryDirectory
        let databasePath: String
        var configuration = DaemonConfiguration()
        var now: EpochMillis = 1_763_880_000_000

        init() throws {
            directory = try TemporaryDirectory(prefix: "pipeline-test")
            databasePath = directory.file("lookout.db")
            configuration.databasePath = databasePath
        }

        func pipeline(ruleSet: RuleSet = RuleSet(), registry: DeviceRegistry = DeviceRegistry(), busyTimeout: Int32 = 5_000) throws -> IngestPipeline {
            var options = configuration.storeOptions
            options.busyTimeoutMillis = busyTimeout
            let store = try EventStore(path: databasePath, options: options)
            let log = Logger(level: .error, output: Logger.Output(journald: true) { _ in })
            return try IngestPipeline(configuration: configuration, store: store, ruleSet: ruleSet, registry: registry,
                                      log: log, clock: { [unowned self] in self.now })
        }

        func store() throws -> EventStore { try EventStore(path: databasePath) }
    }

    static func message(_ topic: String, _ payload: String) -> MQTTMessage {
        MQTTMessage(topic: topic, payload: Array(payload.utf8))
    }

    @Test func malformedMessagesAreCountedByReasonAndSampled() throws {
        let fixture = try Fixture()
        fixture.configuration.jsonLimits = JSONLimits(maxBytes: 64, maxDepth: 3)
        let pipeline = try fixture.pipeline()
        try pipeline.ingest([
            Self.message("c01/smoke/SD-1/event", #"{"event":"smoke""#),
            MQTTMessage(topic: "c01/smoke/SD-1/event", payload: [0x7B, 0xC3, 0x28, 0x7D]),
            Self.message("c01/smoke/SD-1/event", "[1]"),
            Self.message("c01/smoke/SD-1/event", ""),
            Self.message("c01/smoke/SD-1/event", #"{"a":{"b":{"c":{"d":1}}}}"#),
            Self.message("c01/smoke/SD-1/event", #"{"pad":"\#(String(repeating: "x", count: 100))"}"#),
            Self.message("c01/smoke/SD-1", #"{"ts":1763879001000}"#),
            Self.message("c01/smoke/SD-1/telemetry", #"{"ts":1763879002000,"battery_pct":55}"#),
        ])
        #expect(pipeline.counters.rejected == ["invalid_json": 1, "invalid_utf8": 1, "not_an_object": 1, "empty_payload": 1,
                                               "too_deep": 1, "payload_too_large": 1, "unknown_topic": 1])
        #expect(pipeline.counters.processed == 1)
        let store = try fixture.store()
        let counts = Dictionary(uniqueKeysWithValues: try store.rejectCounts().map { ($0.reason, $0.count) })
        #expect(counts["unknown_topic"] == 1)
        #expect(counts["invalid_json"] == 1)
        let samples = try store.recentRejects(reason: "unknown_topic")
        #expect(samples.first?.topic == "c01/smoke/SD-1")
    }

    @Test func redeliveriesAreRecognisedAcrossRestarts() throws {
        let fixture = try Fixture()
        let batch = [Self.message("c01/smoke/SD-1/telemetry", #"{"ts":1763879001000,"battery_pct":80}"#),
                     Self.message("c01/smoke/SD-1/telemetry", #"{"ts":1763879002000,"battery_pct":79}"#)]
        let first = try fixture.pipeline()
        try first.ingest(batch)
        try first.ingest(batch)
        #expect(first.counters.processed == 2)
        #expect(first.counters.duplicates == 2)

        let restarted = try fixture.pipeline()
        try restarted.ingest(batch + [Self.message("c01/smoke/SD-1/telemetry", #"{"ts":1763879003000,"battery_pct":78}"#)])
        #expect(restarted.counters.processed == 1)
        #expect(restarted.counters.duplicates == 2)
    }

    @Test func newestBatchesAreRecognisedAfterARestartHoweverOld() throws {
        let fixture = try Fixture()
        fixture.configuration.dedupWindowSeconds = 1
        let batch = [Self.message("c01/smoke/SD-1/telemetry", #"{"ts":1763879001000,"battery_pct":80}"#)]
        try fixture.pipeline().ingest(batch)

        // Restarted long after, the window rotates twice before the broker redelivers the unacknowledged batch.
        let restarted = try fixture.pipeline()
        for _ in 1...3 {
            fixture.now += 10_000
            restarted.tick()
        }
        try restarted.ingest(batch)
        #expect(restarted.counters.duplicates == 1)
        #expect(restarted.counters.processed == 0)
        #expect(try fixture.store().newestMessageBatches(limit: 16).count == 1)
    }

    @Test func aLargeFleetsActivityIsWrittenInRoundsOfChunks() throws {
        let fixture = try Fixture()
        let pipeline = try fixture.pipeline()
        let chunk = IngestPipeline.deviceActivityRowsPerTick
        let count = chunk * 2 + 500
        try pipeline.ingest((0..<count).map { Self.message("c01/smoke/SD-\($0)/telemetry", #"{"ts":1763879001000,"battery_pct":50}"#) })
        func written() throws -> Int { try fixture.store().devices().filter { $0.lastSeen != nil }.count }
        // One chunk per tick, in id order, until the round is done.
        pipeline.tick()
        #expect(try written() == chunk)
        // A device heard from again while its round is under way is written with its newest activity.
        let lastID = (0..<count).map { "SD-\($0)" }.sorted().last ?? ""
        fixture.now += 100
        try pipeline.ingest([Self.message("c01/smoke/\(lastID)/telemetry", #"{"ts":1763879002000,"battery_pct":49}"#)])
        pipeline.tick()
        #expect(try written() == chunk * 2)
        pipeline.tick()
        #expect(try written() == count)
        let last = try #require(try fixture.store().devices().first { $0.id == lastID })
        #expect(last.batteryPercent == 49)
        #expect(last.lastSeen == fixture.now)
        // The next round waits for the status interval (or longer, after a long round: 10 minutes is plenty).
        try pipeline.ingest([Self.message("c01/smoke/SD-0/telemetry", #"{"ts":1763879003000,"battery_pct":48}"#)])
        pipeline.tick()
        #expect(try fixture.store().devices().first { $0.id == "SD-0" }?.batteryPercent == 50)
        fixture.now += 600_000
        pipeline.tick()
        #expect(try fixture.store().devices().first { $0.id == "SD-0" }?.batteryPercent == 48)
    }

    @Test func deviceActivityIsMirrored() throws {
        let fixture = try Fixture()
        let registry = DeviceRegistry([DeviceRecord(id: "SD-1", kind: "smoke", community: "c01", address: "1号楼")])
        let pipeline = try fixture.pipeline(registry: registry)
        try pipeline.ingest([
            Self.message("c01/smoke/SD-1/telemetry", #"{"ts":1763879001000,"battery_pct":64}"#),
            Self.message("c01/door/DR-9/status", #"{"online":false}"#),
        ])
        pipeline.flushDeviceActivity()
        let devices = Dictionary(uniqueKeysWithValues: try fixture.store().devices().map { ($0.id, $0) })
        #expect(devices["SD-1"]?.registered == true)
        #expect(devices["SD-1"]?.address == "1号楼")
        #expect(devices["SD-1"]?.batteryPercent == 64)
        #expect(devices["SD-1"]?.lastSeen == fixture.now)
        #expect(devices["DR-9"]?.registered == false)
        #expect(devices["DR-9"]?.online == false)
    }

    @Test func aStatusHoldsAgainstItsOwnBatchButALaterBatchMeansOnline() throws {
        let fixture = try Fixture()
        let pipeline = try fixture.pipeline()
        func online(_ id: String) throws -> Bool? { try fixture.store().devices().first { $0.id == id }?.online }
        // In one batch: offline status, then a reading (a batch does not say which came last: the status holds).
        try pipeline.ingest([
            Self.message("c01/door/DR-1/status", #"{"online":false}"#),
            Self.message("c01/door/DR-1/event", #"{"ts":1763879001000,"event":"door_closed","door":1}"#),
            Self.message("c01/door/DR-2/status", #"{"online":false}"#),
        ])
        pipeline.flushDeviceActivity()
        #expect(try online("DR-1") == false)
        // A later batch with any message from it: online again; the other device stays as its status said.
        try pipeline.ingest([Self.message("c01/door/DR-1/event", #"{"ts":1763879002000,"event":"door_closed","door":1}"#)])
        pipeline.flushDeviceActivity()
        #expect(try online("DR-1") == true)
        #expect(try online("DR-2") == false)
        // Noted before the flush, across batches, without a flush in between: the same outcome.
        try pipeline.ingest([Self.message("c01/door/DR-2/status", #"{"online":false,"ts":1763879003000}"#)])
        try pipeline.ingest([Self.message("c01/door/DR-2/event", #"{"ts":1763879004000,"event":"door_closed","door":1}"#)])
        pipeline.flushDeviceActivity()
        #expect(try online("DR-2") == true)
    }

    @Test func unknownDevicesBeyondTheCapAreCountedNotTracked() throws {
        let fixture = try Fixture()
        fixture.configuration.maxUnknownDevices = 2
        let pipeline = try fixture.pipeline()
        try pipeline.ingest((1...5).map { Self.message("c01/smoke/X-\($0)/telemetry", #"{"ts":\#(1_763_879_000_000 + $0 * 1000)}"#) })
        #expect(pipeline.counters.processed == 5)
        #expect(pipeline.counters.unknownDevicesOverCap == 3)
        pipeline.flushDeviceActivity()
        #expect(try fixture.store().devices().count == 2)
    }

    @Test func deviceActivityIsWrittenAtMostOncePerStatusInterval() throws {
        let fixture = try Fixture()
        fixture.configuration.statusIntervalSeconds = 5
        let registry = DeviceRegistry([DeviceRecord(id: "SD-1", kind: "smoke", community: "c01")])
        let pipeline = try fixture.pipeline(registry: registry)
        func lastSeen() throws -> EpochMillis? { try fixture.store().devices().first { $0.id == "SD-1" }?.lastSeen }
        let seenFirst = fixture.now
        try pipeline.ingest([Self.message("c01/smoke/SD-1/telemetry", #"{"ts":1763879001000,"battery_pct":64}"#)])
        // Committed, but the display mirror waits for the tick.
        #expect(pipeline.counters.processed == 1)
        #expect(try lastSeen() == nil)
        pipeline.tick()
        #expect(try lastSeen() == seenFirst)

        fixture.now += 1_000
        try pipeline.ingest([Self.message("c01/smoke/SD-1/telemetry", #"{"ts":1763879002000}"#)])
        fixture.now += 1_000
        try pipeline.ingest([Self.message("c01/smoke/SD-1/status", #"{"online":false}"#)])
        pipeline.tick()
        #expect(try lastSeen() == seenFirst)

        fixture.now += 5_000
        pipeline.tick()
        let device = try #require(try fixture.store().devices().first { $0.id == "SD-1" })
        #expect(device.lastSeen == seenFirst + 2_000)
        #expect(device.online == false)
        #expect(device.batteryPercent == 64)

        // Shutdown writes what is pending without waiting for the interval.
        fixture.now += 1_000
        try pipeline.ingest([Self.message("c01/smoke/SD-1/telemetry", #"{"ts":1763879003000}"#)])
        pipeline.flushDeviceActivity()
        #expect(try lastSeen() == fixture.now)
    }

    @Test func aFailedCommitThrowsAndTheRedeliveredBatchIsProcessedOnce() throws {
        let fixture = try Fixture()
        let pipeline = try fixture.pipeline(busyTimeout: 50)
        let batch = [Self.message("c01/smoke/SD-1/event", "not json"),
                     Self.message("c01/smoke/SD-1/telemetry", #"{"ts":1763879001000,"battery_pct":80}"#)]
        // Another connection holds the write lock: the pipeline's commit fails with SQLITE_BUSY.
        let blocker = try fixture.store()
        try blocker.transaction {
            try blocker.rememberMessages([42], at: 0)
            #expect(throws: (any Error).self) { try pipeline.ingest(batch) }
        }
        #expect(pipeline.counters.commitFailures == 1)
        #expect(pipeline.counters.processed == 0)
        #expect(pipeline.counters.rejectedTotal == 0)
        // The broker redelivers the batch: now it commits, once.
        try pipeline.ingest(batch)
        #expect(pipeline.counters.processed == 1)
        #expect(pipeline.counters.rejected == ["invalid_json": 1])
        #expect(pipeline.counters.duplicates == 0)
        #expect(try fixture.store().rejectCounts().first?.count == 1)
    }

    /// The harness's smoke rule: alarms raise a red event, `normal` clears it.
    static let smokeRule = DaemonHarness.smokeRule

    static func compiledSmokeRule() throws -> RuleSet {
        let result = RuleCompiler.compile([RuleSource(fileName: "smoke.rules", text: smokeRule)])
        return try #require(result.ruleSet, "\(result.diagnostics)")
    }

    static func alarm(_ n: Int, device: String = "SD-1") -> MQTTMessage {
        message("c01/smoke/\(device)/event", #"{"ts":\#(1_763_879_000_000 + n * 1000),"event":"smoke","state":"alarm"}"#)
    }

    @Test func ruleActionsBecomeEventsWithRegistryLocation() throws {
        let fixture = try Fixture()
        let registry = DeviceRegistry([DeviceRecord(id: "SD-1", kind: "smoke", community: "c01", building: "3",
                                                    address: "3号楼2单元", grid: "grid-02")])
        let pipeline = try fixture.pipeline(ruleSet: try Self.compiledSmokeRule(), registry: registry)
        try pipeline.ingest([Self.alarm(1)])
        try pipeline.ingest((2...6).map { Self.alarm($0) })
        try pipeline.ingest([Self.alarm(7, device: "SD-404")])
        try pipeline.ingest([Self.alarm(8, device: "SD-405"), Self.alarm(9, device: "SD-404")])
        try pipeline.ingest([Self.message("k9/smoke/SD-406/event", #"{"ts":10,"event":"smoke","state":"alarm"}"#)])
        let events = try fixture.store().events(EventFilter())
        let registered = try #require(events.first { $0.deviceID == "SD-1" })
        #expect(registered.count == 6)
        #expect(registered.level == .red)
        #expect(registered.location.address == "3号楼2单元")
        #expect(registered.location.grid == "grid-02")
        #expect(registered.title == "Smoke alarm at 3号楼2单元 (SD-1)")
        // Alarms of unregistered devices fold into one event per kind, per community only for the registry's.
        let folded = events.filter { !$0.location.registered }
        #expect(folded.count == 2)
        let unknown = try #require(folded.first { $0.location.community == "c01" })
        #expect(unknown.rule == "unregistered_devices")
        #expect(unknown.count == 3)
        #expect(unknown.title == "Alarms from unregistered smoke devices in community c01")
        #expect(try fixture.store().senders(of: unknown.id).map(\.deviceID) == ["SD-404", "SD-405"])
        let elsewhere = try #require(folded.first { $0.location.community.isEmpty })
        #expect(elsewhere.title == "Alarms from unregistered smoke devices")
        #expect(pipeline.counters.eventsRaised[.red] == 3)

        try pipeline.ingest([Self.message("c01/smoke/SD-1/event", #"{"ts":1763879009000,"event":"smoke","state":"normal"}"#)])
        var all = EventFilter()
        all.includeAll = true
        #expect(try fixture.store().events(all).first { $0.deviceID == "SD-1" }?.status == .cleared)
    }

    /// The folded event of an unregistered device's raise keeps the raising rule's `life_safety` (a silence must
    /// treat it as that rule's event), and does not make other rules' raises life-safety.
    @Test func foldedTriggersKeepTheRaisingRulesLifeSafety() throws {
        let fixture = try Fixture()
        let registry = DeviceRegistry([DeviceRecord(id: "SD-1", kind: "smoke", community: "c01")])
        let pipeline = try fixture.pipeline(registry: registry)
        var action = RuleAction(effect: .raise, rule: "smoke_alarm", eventKey: "smoke_alarm/SD-404", deviceID: "SD-404",
                                kind: "smoke", level: .red, title: "Smoke alarm", topic: "c01/smoke/SD-404/event", at: fixture.now)
        action.lifeSafety = true
        let folded = try #require(pipeline.foldedTrigger(for: action))
        #expect(folded.rule == "unregistered_devices")
        #expect(folded.lifeSafety)
        action.lifeSafety = false
        #expect(pipeline.foldedTrigger(for: action)?.lifeSafety == false)
    }

    @Test func aFailedCommitLeavesNoTraceInRuleStateOrCounts() throws {
        let fixture = try Fixture()
        let pipeline = try fixture.pipeline(ruleSet: try Self.compiledSmokeRule(), busyTimeout: 50)
        try pipeline.ingest([Self.alarm(1)])
        let blocker = try fixture.store()
        try blocker.transaction {
            try blocker.rememberMessages([42], at: 0)
            #expect(throws: (any Error).self) { try pipeline.ingest([Self.alarm(2), Self.alarm(3)]) }
        }
        try pipeline.ingest([Self.alarm(2), Self.alarm(3)])
        let event = try #require(try fixture.store().events(EventFilter()).first)
        #expect(event.count == 3)
    }

    @Test func ruleStateSurvivesARestart() throws {
        let fixture = try Fixture()
        let ruleSet = try Self.compiledSmokeRule()
        try fixture.pipeline(ruleSet: ruleSet).ingest([Self.alarm(1)])
        let restarted = try fixture.pipeline(ruleSet: ruleSet)
        try restarted.ingest([Self.alarm(2)])
        let events = try fixture.store().events(EventFilter())
        #expect(events.count == 1)
        #expect(events.first?.count == 2)
    }

    @Test func ruleStateSurvivesARestartWhetherTheLogWasFoldedOrNot() throws {
        let fixture = try Fixture()
        let ruleSet = try Self.compiledSmokeRule()
        let first = try fixture.pipeline(ruleSet: ruleSet)
        try first.ingest([Self.alarm(1, device: "SD-1"), Self.alarm(2, device: "SD-2")])
        #expect(try fixture.store().ruleStateLogBytes() > 0)
        // A minute later the tick folds the log into the per-key table.
        fixture.now += IngestPipeline.ruleStateLogMaxAgeMillis
        first.tick()
        #expect(try fixture.store().ruleStateLogBytes() == 0)
        // SD-2 clears after the fold: that change is only in the log when the process stops.
        try first.ingest([Self.message("c01/smoke/SD-2/event", #"{"ts":1763879003000,"event":"smoke","state":"normal"}"#)])
        #expect(try fixture.store().ruleStateLogBytes() > 0)

        let restarted = try fixture.pipeline(ruleSet: ruleSet)
        try restarted.ingest([Self.alarm(4, device: "SD-1"), Self.alarm(5, device: "SD-2")])
        var all = EventFilter()
        all.includeAll = true
        let events = try fixture.store().events(all)
        // SD-1's raised state came from the folded table: the alarm is a repeat of its open event.
        #expect(events.filter { $0.deviceID == "SD-1" }.map(\.count) == [2])
        // SD-2's clear came from the log: the alarm after it raises again (a new event, or the cleared one reopened).
        #expect(events.filter { $0.deviceID == "SD-2" }.contains { $0.status == .open })
        #expect(restarted.counters.eventsRaised.values.reduce(0, +) == 1)
    }

    static let callButtonRule = """
        rule sos_call {
          on kind sos channel event
          when event == "sos"
          level red
          title "Emergency call"
          merge within 5m
          downgrade to yellow when event == "sos_cancel"
        }
        """

    static func press(_ n: Int, event: String = "sos") -> MQTTMessage {
        message("c01/sos/SOS-7/event", #"{"ts":\#(1_763_879_000_000 + n * 1000),"event":"\#(event)","press":"short"}"#)
    }

    @Test func callButtonPressesWithinFiveMinutesAreOneCall() throws {
        let fixture = try Fixture()
        let compiled = RuleCompiler.compile([RuleSource(fileName: "sos.rules", text: Self.callButtonRule)])
        let pipeline = try fixture.pipeline(ruleSet: try #require(compiled.ruleSet, "\(compiled.diagnostics)"))
        try pipeline.ingest([Self.press(1)])
        try pipeline.ingest([Self.press(2, event: "sos_cancel")])
        let first = try #require(try fixture.store().events(EventFilter()).first)
        #expect(first.level == .yellow)
        // Staff call back and resolve it as an errand; the resident presses again two minutes later.
        try fixture.store().perform(.resolve, on: first.id, actor: "li.wei", note: "errand", at: fixture.now + 60_000)
        fixture.now += 120_000
        try pipeline.ingest([Self.press(3)])
        let events = try fixture.store().events(EventFilter())
        #expect(events.map(\.id) == [first.id])
        #expect(events.first?.status == .open)
        #expect(events.first?.level == .red)
        #expect(events.first?.count == 2)
        #expect(try fixture.store().timeline(of: first.id).map(\.action) == ["raised", "downgraded", "resolved", "reopened"])
        // After the window a press is a new call.
        try fixture.store().perform(.resolve, on: first.id, actor: "li.wei", note: "", at: fixture.now + 1_000)
        fixture.now += 301_000
        try pipeline.ingest([Self.press(4)])
        let later = try fixture.store().events(EventFilter())
        #expect(later.count == 1)
        #expect(later.first?.id != first.id)
    }

    @Test func housekeepingPrunesOldChangesAndTheUnpublishedOutboxWhenHandoffIsOff() throws {
        let fixture = try Fixture()
        fixture.configuration.handoffEnabled = false
        let pipeline = try fixture.pipeline(ruleSet: try Self.compiledSmokeRule())
        try pipeline.ingest([Self.alarm(1)])
        let store = try fixture.store()
        let raisedAt = fixture.now
        #expect(try store.outboxCount() > 0)
        pipeline.tick()
        // Nothing publishes the outbox: it does not grow. The change feed is young: kept.
        #expect(try store.outboxCount() == 0)
        #expect(try store.changes(after: 0, limit: 100).contains { $0.action == "raised" })
        fixture.now += 8 * 86_400_000
        pipeline.tick()
        let remaining = try store.changes(after: 0, limit: 100)
        #expect(!remaining.contains { $0.action == "raised" })
        #expect(try store.outboxCount() == 0)
        // The record itself is kept.
        let event = try #require(try store.events(EventFilter()).first)
        #expect(event.firstSeen == raisedAt)
        #expect(try store.timeline(of: event.id).first?.action == "raised")
    }

    @Test func housekeepingKeepsWhatTheHandoffHasNotPublished() throws {
        let fixture = try Fixture()
        fixture.configuration.changeRetentionSeconds = 3_600
        let pipeline = try fixture.pipeline(ruleSet: try Self.compiledSmokeRule())
        try pipeline.ingest([Self.alarm(1)])
        let store = try fixture.store()
        let pending = try store.outboxCount()
        #expect(pending > 0)
        fixture.now += 2 * 3_600_000
        pipeline.tick()
        #expect(try store.outboxCount() >= pending)
        #expect(try store.changes(after: 0, limit: 100).contains { $0.action == "raised" })
        // Once published, the old change goes at the next housekeeping.
        try store.markOutboxSent(ids: try store.pendingOutbox(limit: 100).map(\.id))
        fixture.now += IngestPipeline.housekeepingIntervalMillis
        pipeline.tick()
        #expect(try !store.changes(after: 0, limit: 100).contains { $0.action == "raised" })
    }
}
