import EventCore
import Foundation
import LookoutTestSupport
import Testing

extension ReliabilityTests {
    /// Promise 5: garbage interleaved with valid alarms at the running binary.
    @Suite struct BadInputTests {
        /// One kind of bad message and the reject reason it must be counted under (nil: valid JSON that
        /// no rule matches, processed without an event and not a reject).
        struct Garbage {
            var name: String
            var topic: String
            var payload: [UInt8]
            var reason: String?
        }

        /// The bad messages of one round. Rounds use different device ids: identical topic and payload would
        /// be recognised as redeliveries and counted once (promise 4).
        static func garbage(round: Int) -> [Garbage] {
            let topic = "c01/door/D-garbage\(round)/event"
            func text(_ name: String, _ payload: String, _ reason: String?, topic: String = topic) -> Garbage {
                Garbage(name: name, topic: topic, payload: Array(payload.utf8), reason: reason)
            }
            // Deep but within the size limit, so that it is the depth that is rejected.
            let nested = [UInt8](repeating: UInt8(ascii: "["), count: 20_000) + [UInt8](repeating: UInt8(ascii: "]"), count: 20_000)
            let huge = Array(#"{"event":"door_forced","blob":""#.utf8) + [UInt8](repeating: 0x41, count: 1_100_000) + Array(#""}"#.utf8)
            return [
                text("truncated JSON", #"{"event":"door_forced","door":"#, "invalid_json"),
                text("NaN", #"{"event":"door_forced","door":NaN}"#, "invalid_json"),
                text("terminal escapes", "{\"event\":\"\u{1B}[2J\u{1B}]0;owned\u{07}\u{9B}31m", "invalid_json"),
                text("single quotes", "{'event':'door_forced'}", "invalid_json"),
                Garbage(name: "invalid UTF-8", topic: topic, payload: Array(#"{"event":"door_forced","x":""#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8),
                        reason: "invalid_utf8"),
                Garbage(name: "1 MB payload", topic: topic, payload: huge, reason: "payload_too_large"),
                Garbage(name: "deeply nested", topic: topic, payload: Array(#"{"a":"#.utf8) + nested + [UInt8(ascii: "}")], reason: "too_deep"),
                text("1e999", #"{"event":"door_forced","door":1e999}"#, "number_out_of_range"),
                text("array", "[1,2,3]", "not_an_object"),
                text("string", #""door_forced""#, "not_an_object"),
                Garbage(name: "empty", topic: topic, payload: [], reason: "empty_payload"),
                text("short topic", #"{"event":"door_forced","door":1}"#, "unknown_topic", topic: "garbage\(round)"),
                text("long topic", #"{"event":"door_forced","door":1}"#, "unknown_topic", topic: "c01/door/D-x\(round)/event/extra"),
                text("wrong types", #"{"event":42,"door":"one","ts":"yesterday"}"#, "wrong_type"),
                text("unknown kind", #"{"event":"door_forced","door":1}"#, "unknown_kind", topic: "c01/toaster/T-\(round)/event"),
            ]
        }

        @Test func garbageIsCountedByReasonAndEveryValidAlarmInBetweenRaisesItsEvent() throws {
            let broker = try MosquittoBroker()
            // Subscribed to everything, so that topics outside the layout reach the daemon too.
            let daemon = try LookoutdProcess(broker: broker, rules: Alarm.rules, settings: ["topics": ["subscribe": "\"#\""]])
            try daemon.start()
            let pid = daemon.pid
            let publisher = try TestPublisher(broker: broker)
            let rounds = 3
            var valid = 0
            for round in 0..<rounds {
                for garbage in Self.garbage(round: round) {
                    try publisher.publish(garbage.topic, garbage.payload)
                    try publisher.publishAlarm(Alarm.deviceID(valid), sequence: 1)
                    valid += 1
                }
            }
            try daemon.drainWithSentinel(publisher, name: "garbage")

            #expect(daemon.isRunning)
            #expect(daemon.pid == pid)
            let tally = try daemon.alarmTally()
            for device in 0..<valid {
                #expect(tally.counts[Alarm.deviceID(device)] == 1, "valid alarm \(device) lost among garbage")
            }
            #expect(tally.counts.keys.allSatisfy { !$0.hasPrefix("D-garbage") })
            #expect(tally.total == valid + 1)

            var expected: [String: Int64] = [:]
            for round in 0..<rounds {
                for garbage in Self.garbage(round: round) { if let reason = garbage.reason { expected[reason, default: 0] += 1 } }
            }
            let store = try daemon.store()
            let counted = Dictionary(uniqueKeysWithValues: try store.rejectCounts().map { ($0.reason, $0.count) })
            #expect(counted == expected)
            for reason in expected.keys {
                let samples = try store.recentRejects(reason: reason, limit: 10)
                #expect(!samples.isEmpty, "no sample kept for \(reason)")
                #expect(samples.allSatisfy { $0.payloadExcerpt.utf8.count <= 4_096 }, "sample of \(reason) is not bounded")
            }
            // Staff inspect the samples with `lookout rejects`: device bytes never reach the terminal raw.
            let rejects = try daemon.lookout(["--no-color", "rejects"])
            #expect(rejects.status == 0, "\(rejects.stderr)")
            for reason in expected.keys { #expect(rejects.stdout.contains(reason)) }
            #expect(rejects.stdout.contains("\\x1b"), "escape sequences should be shown escaped:\n\(rejects.stdout)")
            #expect(!rejects.stdout.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{07}" || $0 == "\u{9B}" })
            #expect(!daemon.log.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{07}" || $0 == "\u{9B}" })
            #expect(daemon.stop() == 0)
            #expect(try daemon.integrityCheck() == "ok")
        }

        /// The size limit is configurable: with `max_payload_bytes` at 2 MB, a 1.1 MB alarm is an alarm.
        @Test func payloadLimitIsConfigurable() throws {
            let broker = try MosquittoBroker()
            let daemon = try LookoutdProcess(broker: broker, rules: Alarm.rules, settings: ["limits": ["max_payload_bytes": "2097152"]])
            try daemon.start()
            let publisher = try TestPublisher(broker: broker)
            let padding = String(repeating: "A", count: 1_100_000)
            try publisher.publish(Alarm.topic("D-large"), #"{"event":"door_forced","door":1,"note":"\#(padding)"}"#)
            try daemon.drainWithSentinel(publisher, name: "large")
            #expect(try daemon.alarmTally().counts["D-large"] == 1)
            #expect(try daemon.store().rejectCounts().isEmpty)
            #expect(daemon.stop() == 0)
        }
    }
}
