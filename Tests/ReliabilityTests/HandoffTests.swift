import EventCore
import Foundation
import LookoutTestSupport
import Testing

extension ReliabilityTests {
    /// Issue 4's hand-off promise: every event change reaches other systems over MQTT, also the changes
    /// staff make while the broker is down.
    @Suite struct HandoffTests {
        /// Runs staff's `lookout` CLI through the daemon (the test runner, an admin) on behalf of `dispatcher-7`;
        /// expects exit 0.
        static func staff(_ daemon: LookoutdProcess, _ arguments: [String]) throws {
            let result = try daemon.lookout(["--as", "dispatcher-7", "--no-color"] + arguments)
            #expect(result.status == 0, "lookout \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }

        /// What happens to the daemon while the broker is down.
        enum Outage: String, CaseIterable, Sendable, CustomStringConvertible {
            /// The broker comes back while the hand-off still waits for its round's acknowledgements
            /// (libmosquitto resends them after reconnecting).
            case brief
            /// The hand-off gives up on its round (logged) and leaves the changes in the outbox; a later
            /// round with a new connection publishes them.
            case handoffGaveUp
            /// The daemon is killed (`kill -9`) while the changes wait; they are only in the database,
            /// and the restarted daemon hands them off.
            case daemonKilled

            var description: String { rawValue }
        }

        /// Residents' personal data stays out of the hand-off unless configured field by field (issue 16, PIPL): the
        /// rule copies the resident's name and phone into the title and description, and with the default no
        /// hand-off payload carries either; `resident_fields = resident_phone` lets the phone through, not the name.
        @Test(arguments: ["", "resident_phone"])
        func theHandoffCarriesNoResidentDataUnlessConfigured(fields: String) throws {
            let broker = try MosquittoBroker()
            let rules = LookoutdProcess.Rules.files(["alarm.rules": """
                rule test_alarm {
                  on "+/door/+/event"
                  when event == "door_forced"
                  level yellow
                  title "Door forced at {resident.name}'s"
                  description "call {resident.phone}"
                }
                """])
            let daemon = try LookoutdProcess(broker: broker, rules: rules, registry: """
                id,kind,community,building,unit,address,resident_name,resident_phone,emergency_contact
                D-privacy,door,c01,3,1,101,Wang Fang,13800000011,Wang Lei 13900000012
                """, settings: ["handoff": ["enabled": "true", "qos": "1", "resident_fields": fields]])
            let subscriber = try HandoffSubscriber(broker: broker, clientID: "rel-handoff-privacy")
            defer { subscriber.stop() }
            _ = try waitFor("the subscriber's session") { subscriber.connectionCount > 0 ? true : nil }
            try daemon.start()
            let publisher = try TestPublisher(broker: broker)
            try publisher.publishAlarm("D-privacy", sequence: 1)
            try publisher.flush()
            let eventID = try waitFor("the alarm's event", log: daemon.log) {
                try daemon.events().first { $0.deviceID == "D-privacy" }?.id
            }
            #expect(try daemon.store().event(id: eventID)?.location.residentName == "Wang Fang", "the event core keeps it")
            _ = try waitFor("the raised change at the subscriber", log: daemon.log) {
                subscriber.statuses(of: eventID).contains("open") ? true : nil
            }
            let texts = subscriber.payloadTexts.joined(separator: "\n")
            #expect(!texts.contains("Wang Fang") && !texts.contains("Wang Lei") && !texts.contains("13900000012"), "\(texts)")
            #expect(texts.contains("13800000011") == (fields == "resident_phone"), "\(texts)")
            #expect(texts.contains("[withheld]"), "\(texts)")
            #expect(daemon.stop() == 0)
        }

        /// An alarm raises an event (handed off), the broker stops, staff acknowledge, dispatch to grid-03,
        /// mark on site and resolve it with `lookout`; after the broker's restart a persistent QoS 1
        /// subscriber has every change at least once, in order, and the outbox is empty.
        @Test(arguments: Outage.allCases)
        func everyChangeMadeWhileTheBrokerIsDownArrivesOnceItIsBack(outage: Outage) throws {
            let broker = try MosquittoBroker()
            let daemon = try LookoutdProcess(broker: broker, rules: Alarm.rules,
                                             settings: ["handoff": ["enabled": "true", "qos": "1"]])
            let subscriber = try HandoffSubscriber(broker: broker, clientID: "rel-handoff-subscriber")
            defer { subscriber.stop() }
            _ = try waitFor("the subscriber's session") { subscriber.connectionCount > 0 ? true : nil }
            try daemon.start()

            // Raised while everything is up: the subscriber sees the event open.
            let publisher = try TestPublisher(broker: broker)
            try publisher.publishAlarm("D-handoff", sequence: 1)
            try publisher.flush()
            let eventID = try waitFor("the alarm's event", log: daemon.log) {
                try daemon.events().first { $0.deviceID == "D-handoff" }?.id
            }
            _ = try waitFor("the raised change at the subscriber", log: daemon.log) {
                subscriber.statuses(of: eventID).contains("open") ? true : nil
            }

            // Staff work the event while the broker is down: the changes wait in the outbox.
            broker.stop()
            try Self.staff(daemon, ["ack", eventID])
            try Self.staff(daemon, ["dispatch", eventID, "--to", "grid-03"])
            try Self.staff(daemon, ["onsite", eventID])
            try Self.staff(daemon, ["resolve", eventID, "--note", "cabinet door closed, latch replaced", "--cause", "real"])
            #expect(try daemon.store().outboxCount() >= 4, "the changes made while the broker is down should be waiting")
            #expect(try daemon.store().event(id: eventID)?.status == .resolved)

            switch outage {
            case .brief:
                break
            case .handoffGaveUp:
                _ = try waitFor("the hand-off to give up its round", timeout: 180, log: daemon.log) {
                    daemon.logLines(containing: "event hand-off failed").isEmpty ? nil : true
                }
            case .daemonKilled:
                daemon.killHard()
            }

            // The broker comes back (same port, persistence keeps the subscriber's session).
            try broker.restart()
            if outage == .daemonKilled { try daemon.start() }
            let expected = ["open", "acknowledged", "dispatched", "onsite", "resolved"]
            _ = try waitFor("every change at the subscriber", timeout: 120,
                            log: "subscriber got \(subscriber.statuses(of: eventID)); lookoutd log:\n" + daemon.log) {
                Set(subscriber.statuses(of: eventID)).isSuperset(of: expected) ? true : nil
            }
            _ = try waitFor("an empty outbox", log: daemon.log) {
                try daemon.store().outboxCount() == 0 ? true : nil
            }

            let received = subscriber.messages.filter { $0.id == eventID }
            for status in expected {
                #expect(received.contains { $0.status == status }, "no \(status) change for \(eventID)")
            }
            #expect(received.allSatisfy { $0.topic == "lookout/events/\($0.level)/\(eventID)" })
            #expect(received.filter { $0.status == "dispatched" }.allSatisfy { $0.assignee == "grid-03" })
            // At least once, and in the order staff made the changes (first arrivals).
            var firstArrivals: [String] = []
            for message in received where !firstArrivals.contains(message.status) { firstArrivals.append(message.status) }
            #expect(firstArrivals == expected)
            #expect(subscriber.undecodablePayloads.isEmpty)
            // Its resumed session can deliver the resends before the SUBACK that completes its reconnect.
            _ = try waitFor("the subscriber's reconnect after the outage", log: daemon.log) {
                subscriber.connectionCount >= 2 ? true : nil
            }
            #expect(daemon.isRunning)
            #expect(daemon.stop() == 0)
        }
    }
}
