@testable import Daemon
import EventCore
import Foundation
import LookoutTestSupport
import MQTTClient
@testable import Rules
import Testing
import Vocabulary

/// Issue 14 items 3, 4 and 6 in the pipeline: what counts as the same message, device time, retained messages.
@Suite struct IngestPipelineRedeliveryTests {
    typealias Fixture = IngestPipelineTests.Fixture

    static let doorTopic = "c01/door/DR-1/event"
    static let forced = #"{"event":"door_forced","door":1}"#

    static func message(_ topic: String, _ payload: String, packetID: Int, resend: Bool = false,
                        retained: Bool = false) -> MQTTMessage {
        MQTTMessage(topic: topic, payload: Array(payload.utf8), qos: 1, retained: retained, mayBeRedelivery: resend,
                    packetID: packetID)
    }

    @Test func aRepeatWithoutTsIsANewOccurrenceButItsRedeliveryIsNot() throws {
        let fixture = try Fixture()
        let pipeline = try fixture.pipeline()
        try pipeline.ingest([Self.message(Self.doorTopic, Self.forced, packetID: 1)])
        fixture.now += 180_000
        // The device reports the same again, minutes later: a second occurrence.
        try pipeline.ingest([Self.message(Self.doorTopic, Self.forced, packetID: 2)])
        #expect(pipeline.counters.processed == 2)
        #expect(pipeline.counters.duplicates == 0)

        // After a reconnect the broker resends the second (its acknowledgement was lost), and delivers a third
        // occurrence queued while the connection was down: same payload, its own packet identifier.
        let restarted = try fixture.pipeline()
        try restarted.ingest([Self.message(Self.doorTopic, Self.forced, packetID: 2, resend: true),
                                      Self.message(Self.doorTopic, Self.forced, packetID: 3, resend: true)])
        #expect(restarted.counters.duplicates == 1)
        #expect(restarted.counters.processed == 1)
    }

    /// A restored queue after a broker restart: resends keep coming after the subscription is confirmed (not
    /// flagged by the client); they count once until the first message the broker had not sent before, after
    /// which the same payload is a new occurrence again.
    @Test func resendsAfterTheSubscriptionCountOnceUntilTheFirstNewMessage() throws {
        let fixture = try Fixture()
        let pipeline = try fixture.pipeline()
        try pipeline.ingest((1...3).map { Self.message(Self.doorTopic, Self.forced, packetID: $0) })
        #expect(pipeline.counters.processed == 3)
        pipeline.connected(sessionPresent: true)
        try pipeline.ingest([Self.message(Self.doorTopic, Self.forced, packetID: 2),
                                     Self.message(Self.doorTopic, Self.forced, packetID: 3)])
        #expect(pipeline.counters.duplicates == 2)
        try pipeline.ingest([Self.message(Self.doorTopic, Self.forced, packetID: 4)])
        #expect(pipeline.counters.processed == 4)
        // The burst is over: a packet identifier the broker reuses later is a new occurrence.
        try pipeline.ingest([Self.message(Self.doorTopic, Self.forced, packetID: 1)])
        #expect(pipeline.counters.processed == 5)
        #expect(pipeline.counters.duplicates == 2)
        // A new session has nothing to resend.
        pipeline.connected(sessionPresent: false)
        try pipeline.ingest([Self.message(Self.doorTopic, Self.forced, packetID: 2)])
        #expect(pipeline.counters.processed == 6)
    }

    @Test func theSameReadingWithTsIsOneMessageWheneverItComes() throws {
        let fixture = try Fixture()
        let pipeline = try fixture.pipeline()
        let reading = #"{"ts":\#(fixture.now - 60_000),"event":"door_forced","door":1}"#
        try pipeline.ingest([Self.message(Self.doorTopic, reading, packetID: 1),
                                     Self.message(Self.doorTopic, reading, packetID: 2)])
        try pipeline.ingest([Self.message(Self.doorTopic, reading, packetID: 3)])
        #expect(pipeline.counters.processed == 1)
        #expect(pipeline.counters.duplicates == 2)
    }

    @Test(arguments: [
        ("1", "before 2020: a clock never set"),
        ("1763880000", "seconds, not milliseconds"),
        ("1763880360001", "more than 5 minutes ahead"),
        ("1763275199999", "more than 7 days old"),
        ("1763879000000.5", "not whole milliseconds"),
    ])
    func implausibleTsIsRejectedWithASampleAndTheRestEvaluatedOnArrival(ts: String, why: String) throws {
        let fixture = try Fixture()
        let pipeline = try fixture.pipeline(ruleSet: try IngestPipelineTests.compiledSmokeRule())
        try pipeline.ingest([Self.message("c01/smoke/SD-1/event", #"{"ts":\#(ts),"event":"smoke","state":"alarm"}"#,
                                                  packetID: 1)])
        #expect(pipeline.counters.rejected == ["implausible_ts": 1], "\(why)")
        #expect(pipeline.counters.processed == 1)
        let sample = try #require(try fixture.store().recentRejects(reason: "implausible_ts").first)
        #expect(sample.topic == "c01/smoke/SD-1/event")
        // The alarm is not lost to the device's clock: raised on the time of arrival, with no device time.
        let event = try #require(try fixture.store().events(EventFilter()).first)
        #expect(event.firstSeen == fixture.now)
        #expect(event.occurredAt == nil)
    }

    @Test func aDeviceWhoseClockKeepsLyingIsImplausibleData() throws {
        let fixture = try Fixture()
        let registry = DeviceRegistry([DeviceRecord(id: "SD-1", kind: "smoke", community: "c01", building: "3")])
        let pipeline = try fixture.pipeline(ruleSet: try IngestPipelineTests.compiledSmokeRule(), registry: registry)
        for n in 1...fixture.configuration.implausibleCount {
            try pipeline.ingest([Self.message("c01/smoke/SD-1/telemetry", #"{"ts":\#(n),"battery_pct":80}"#, packetID: n)])
        }
        let events = try fixture.store().events(EventFilter())
        #expect(events.map(\.rule) == [IngestPipeline.implausibleDataRule])
        #expect(events.first?.level == .green)
        #expect(events.first?.description.contains("before 2020") == true)
    }

    @Test func theConfiguredBoundsDecide() throws {
        var policy = DeviceTimePolicy()
        policy.maxFutureMillis = 0
        policy.maxAgeMillis = 60_000
        let now: EpochMillis = 1_763_880_000_000
        func reading(_ ts: EpochMillis, retained: Bool = false) -> EpochMillis? {
            if case .plausible(let time) = policy.reading(of: JSONObject([("ts", .number(Double(ts)))]), receivedAt: now,
                                                          retained: retained) { return time }
            return nil
        }
        #expect(reading(now) == now)
        #expect(reading(now + 1) == nil)
        #expect(reading(now - 60_000) == now - 60_000)
        #expect(reading(now - 60_001) == nil)
        // A retained message is the device's last state, old by nature.
        #expect(reading(now - 86_400_000, retained: true) == now - 86_400_000)
        #expect(policy.reading(of: JSONObject(), receivedAt: now, retained: false) == .absent)
    }

    @Test func eventsKeepBothTimesAndDeadlinesCountFromArrival() throws {
        let fixture = try Fixture()
        let pipeline = try fixture.pipeline(ruleSet: try IngestPipelineTests.compiledSmokeRule())
        let happened = fixture.now - 3 * 3_600_000
        try pipeline.ingest([Self.message("c01/smoke/SD-1/event",
                                                  #"{"ts":\#(happened),"event":"smoke","state":"alarm"}"#, packetID: 1)])
        let event = try #require(try fixture.store().events(EventFilter()).first)
        #expect(event.occurredAt == happened)
        #expect(event.firstSeen == fixture.now)
        #expect(event.raisedAfterOccurrence == EpochMillis(3 * 3_600_000))
        #expect(event.ackDeadline.map { $0 > fixture.now } == true)
        #expect(!event.overdue)
    }

    @Test func anEventRaisedWhenAHoldCompletesKeepsTheDeviceTimeOfItsReport() throws {
        let fixture = try Fixture()
        let rule = """
            rule held_smoke {
              on kind smoke channel event
              when event == "smoke" and state == "alarm"
              for 3s
              level red
              title "Smoke ({topic.device})"
            }
            """
        let compiled = RuleCompiler.compile([RuleSource(fileName: "held.rules", text: rule)])
        let pipeline = try fixture.pipeline(ruleSet: try #require(compiled.ruleSet, "\(compiled.diagnostics)"))
        let happened = fixture.now - 2 * 3_600_000
        try pipeline.ingest([Self.message("c01/smoke/SD-9/event",
                                                  #"{"ts":\#(happened),"event":"smoke","state":"alarm"}"#, packetID: 1)])
        for _ in 1...5 {
            fixture.now += 1000
            pipeline.tick()
        }
        let event = try #require(try fixture.store().events(EventFilter()).first)
        #expect(event.occurredAt == happened)
        #expect(event.firstSeen > fixture.now - 5000)
        #expect(event.raisedAfterOccurrence.map { $0 >= 2 * 3_600_000 } == true)
    }

    @Test func aRetainedStateAlreadyProcessedIsNotANewOccurrenceEvenAfterARestart() throws {
        let fixture = try Fixture()
        fixture.configuration.dedupWindowSeconds = 1
        let ruleSet = try IngestPipelineTests.compiledSmokeRule()
        let alarm = #"{"event":"smoke","state":"alarm"}"#
        let topic = "c01/smoke/SD-1/event"
        let pipeline = try fixture.pipeline(ruleSet: ruleSet)
        try pipeline.ingest([Self.message(topic, alarm, packetID: 1)])
        let event = try #require(try fixture.store().events(EventFilter()).first)
        _ = try fixture.store().perform(.resolve, on: event.id, actor: "staff", note: "checked: burnt toast", at: fixture.now + 1000)
        pipeline.flushDeviceActivity()

        // Restarted long after the de-duplication window: the broker delivers the retained alarm on subscribe.
        fixture.now += 3_600_000
        let restarted = try fixture.pipeline(ruleSet: ruleSet)
        try restarted.ingest([Self.message(topic, alarm, packetID: 1, retained: true)])
        #expect(restarted.counters.retainedKnown == 1)
        #expect(try fixture.store().events(EventFilter()).isEmpty)

        // A retained alarm that began while lookoutd was down is a state no event exists for yet: it raises.
        let other = #"{"event":"smoke","state":"alarm","concentration_pct":30}"#
        try restarted.ingest([Self.message(topic, other, packetID: 2, retained: true)])
        #expect(try fixture.store().events(EventFilter()).count == 1)
    }

    @Test func aRetainedStateOlderThanTheLastProcessedIsKnown() throws {
        let fixture = try Fixture()
        let pipeline = try fixture.pipeline(ruleSet: try IngestPipelineTests.compiledSmokeRule())
        let topic = "c01/smoke/SD-1/event"
        try pipeline.ingest([Self.message(topic, #"{"ts":\#(fixture.now - 1000),"event":"smoke","state":"normal"}"#, packetID: 1)])
        try pipeline.ingest([Self.message(topic, #"{"ts":\#(fixture.now - 5000),"event":"smoke","state":"alarm"}"#,
                                                  packetID: 2, retained: true)])
        #expect(pipeline.counters.retainedKnown == 1)
        #expect(try fixture.store().events(EventFilter()).isEmpty)
    }
}
