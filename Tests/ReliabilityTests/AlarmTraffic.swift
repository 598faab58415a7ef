import EventCore
import Foundation
import LookoutTestSupport
import MQTTClient
import Synchronization

/// Door-forced alarms: every message is a distinct alarm (its own `seq` and `ts`) that adds exactly one to
/// the count of its device's event under `rule`, so counts can be checked exactly.
enum Alarm {
    /// Rule name of `ruleText`.
    static let rule = "test_alarm"

    /// The shipped rule (`config/rules.d/door.rules`) the same alarms raise: yellow, one open event per
    /// door controller, every alarm counted (its exception, a granted access just before, never happens here).
    static let shippedRule = "door_forced"

    /// A rule without debounce, window or merge: one open event per device, every alarm counted once.
    static let ruleText = """
        rule test_alarm {
          on "+/door/+/event"
          when event == "door_forced"
          level yellow
          title "Door forced ({topic.device})"
        }
        """

    /// Rule files for `LookoutdProcess`.
    static let rules = LookoutdProcess.Rules.files(["alarm.rules": ruleText])

    /// The device id for number `device`.
    static func deviceID(_ device: Int) -> String { "D-\(device)" }

    /// The event topic of `device`.
    static func topic(_ deviceID: String) -> String { "c01/door/\(deviceID)/event" }

    /// Alarm number `sequence` of a device.
    static func payload(sequence: Int) -> String {
        #"{"ts":\#(TestDeviceTime.ts(Int64(sequence) * 1000)),"event":"door_forced","door":1,"seq":\#(sequence)}"#
    }
}

/// A QoS 1 publisher on the test broker (its own client id, clean session).
final class TestPublisher {
    let client: MQTTPublisher

    /// Connects to `broker`; `configure` may add credentials or TLS.
    init(broker: MosquittoBroker, name: String = "publisher", configure: (inout MQTTOptions) -> Void = { _ in }) throws {
        var options = MQTTOptions()
        options.port = broker.port
        options.clientID = "rel-\(name)-\(UUID().uuidString.prefix(6))"
        options.cleanSession = true
        configure(&options)
        client = try MQTTPublisher(options: options)
        try client.connect(timeout: 30)
    }

    deinit { client.disconnect() }

    /// Publishes text at QoS 1 (waits only while the in-flight window is full).
    func publish(_ topic: String, _ payload: String) throws { try publish(topic, Array(payload.utf8)) }

    /// Publishes bytes at QoS 1.
    func publish(_ topic: String, _ payload: [UInt8]) throws { try client.publish(topic: topic, payload: payload, qos: 1) }

    /// Publishes alarm `sequence` of `deviceID`.
    func publishAlarm(_ deviceID: String, sequence: Int) throws { try publish(Alarm.topic(deviceID), Alarm.payload(sequence: sequence)) }

    /// Waits until the broker acknowledged everything published so far.
    func flush() throws { try client.flush(timeout: 120) }
}

/// Alarms from many devices published round-robin by a background thread until `finish()`, which returns
/// how many alarms each device sent (all acknowledged by the broker).
final class AlarmStream: Sendable {
    private let publisher: MQTTPublisher
    private let devices: Int
    private let stopRequested = Atomic<Bool>(false)
    private let result = Mutex<Result<[String: Int], any Error>?>(nil)

    /// Connects; call `start()` to begin.
    init(broker: MosquittoBroker, devices: Int) throws {
        var options = MQTTOptions()
        options.port = broker.port
        options.clientID = "rel-stream-\(UUID().uuidString.prefix(6))"
        options.cleanSession = true
        publisher = try MQTTPublisher(options: options)
        try publisher.connect(timeout: 30)
        self.devices = devices
    }

    /// Starts publishing: one alarm per device per round, a short pause every `devices` messages so the
    /// stream lasts while the test kills and restarts the daemon.
    func start() {
        let thread = Thread { [self] in
            var sent: [String: Int] = [:]
            var round = 0
            do {
                while !stopRequested.load(ordering: .sequentiallyConsistent) {
                    round += 1
                    for device in 0..<devices {
                        let id = Alarm.deviceID(device)
                        try publisher.publish(topic: Alarm.topic(id), payload: Array(Alarm.payload(sequence: round).utf8), qos: 1)
                        sent[id, default: 0] += 1
                    }
                    usleep(50_000)
                }
                try publisher.flush(timeout: 120)
                result.withLock { $0 = .success(sent) }
            } catch {
                result.withLock { $0 = .failure(error) }
            }
        }
        thread.start()
    }

    /// Stops, waits for the broker's acknowledgements, and returns alarms sent per device.
    func finish() throws -> [String: Int] {
        stopRequested.store(true, ordering: .sequentiallyConsistent)
        let outcome = try waitFor("the alarm stream to finish") { result.withLock { $0 } }
        publisher.disconnect()
        return try outcome.get()
    }
}

/// Events of one rule grouped by device: how many events and the sum of their counts.
struct EventTally: Equatable {
    /// Number of events per device.
    var events: [String: Int] = [:]
    /// Sum of event counts per device.
    var counts: [String: Int] = [:]

    /// Sum of all counts.
    var total: Int { counts.values.reduce(0, +) }

    /// Tallies `events` of `rule`.
    init(_ records: [EventRecord], rule: String) {
        for event in records where event.rule == rule {
            self.events[event.deviceID, default: 0] += 1
            counts[event.deviceID, default: 0] += event.count
        }
    }
}

extension LookoutdProcess {
    /// Tally of the alarm rule's events.
    func alarmTally() throws -> EventTally { EventTally(try events(), rule: alarmRule) }

    /// Publishes an alarm from a fresh device and waits for its event. The broker delivers a session's
    /// messages in order, so everything published before it has reached the daemon by then.
    func drainWithSentinel(_ publisher: TestPublisher, name: String) throws {
        let id = "SENTINEL-\(name)"
        try publisher.publishAlarm(id, sequence: 1)
        try publisher.flush()
        _ = try waitFor("the sentinel alarm \(id)", log: log) {
            try alarmTally().counts[id] == 1 ? true : nil
        }
    }
}
