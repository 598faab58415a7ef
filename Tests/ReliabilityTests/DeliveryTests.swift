import EventCore
import Foundation
import LookoutTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension ReliabilityTests {
    /// Promises 1, 2 and 4: nothing acknowledged is lost, downtime loses nothing, redelivery is harmless.
    @Suite struct DeliveryTests {
        /// Promise 1 (and 7 after crashes): `kill -9` at random points while 300 devices stream alarms; with
        /// the test rule and with the shipped rules (whose state is restored after every crash).
        @Test(arguments: [true, false])
        func killedAtRandomPointsLosesNoAlarmAndCountsNoneTwice(shippedRules: Bool) throws {
            let broker = try MosquittoBroker()
            let daemon = try LookoutdProcess(broker: broker, rules: shippedRules ? .shipped : Alarm.rules)
            try daemon.start()
            let stream = try AlarmStream(broker: broker, devices: 300)
            stream.start()
            let seed = UInt64(Date().timeIntervalSince1970 * 1000)
            var random = SeededRandom(seed: seed)
            var kills = 0
            var launchedAt = 0   // index of the notify datagrams when the running daemon was launched
            for round in 1...5 {
                if round % 2 == 0 {
                    // Kill a running, connected daemon in the middle of batches…
                    _ = try waitFor("READY=1 after restart", log: daemon.log) {
                        daemon.notify.waitFor("READY=1", from: launchedAt, timeout: 0.05)
                    }
                }
                // …or at any point of its start-up (odd rounds).
                usleep(UInt32(Int.random(in: 50_000...700_000, using: &random)))
                daemon.killHard()
                kills += 1
                usleep(UInt32(Int.random(in: 0...300_000, using: &random)))
                launchedAt = daemon.notify.messages.count
                try daemon.launch()
            }
            let sent = try stream.finish()
            let expected = sent.values.reduce(0, +)
            let publisher = try TestPublisher(broker: broker)
            _ = try waitFor("all \(expected) alarms counted (seed \(seed))", log: daemon.log) {
                try daemon.alarmTally().total >= expected ? true : nil
            }
            try daemon.drainWithSentinel(publisher, name: "kill")
            var tally = try daemon.alarmTally()
            tally.events["SENTINEL-kill"] = nil
            tally.counts["SENTINEL-kill"] = nil
            #expect(kills == 5)
            #expect(expected >= 300)
            #expect(tally.counts == sent, "seed \(seed): counts differ from alarms sent")
            #expect(tally.events.values.allSatisfy { $0 == 1 }, "seed \(seed): a device has more than one event")
            #expect(daemon.stop() == 0)
            #expect(try daemon.integrityCheck() == "ok")
        }

        /// Promise 2: 5,000 alarms published while the daemon is stopped are all processed after it starts.
        /// The broker runs the shipped `config/mosquitto.conf` (mosquitto's default queue of 1,000 would drop
        /// most of them), with only its listener, persistence location and log moved to the test's directory and
        /// anonymous clients let in (its password file and ACL are tested by BrokerExampleTests).
        @Test func messagesPublishedWhileStoppedAreAllProcessedAfterStart() throws {
            let broker = try MosquittoBroker.withShippedConfiguration()
            let daemon = try LookoutdProcess(broker: broker, rules: Alarm.rules)
            try daemon.start()   // establishes the persistent session
            #expect(daemon.stop() == 0)
            let publisher = try TestPublisher(broker: broker)
            for sequence in 1...10 {
                for device in 0..<500 { try publisher.publishAlarm(Alarm.deviceID(device), sequence: sequence) }
            }
            try publisher.flush()
            try daemon.start()
            _ = try waitFor("5,000 queued alarms counted", log: daemon.log) {
                try daemon.alarmTally().total >= 5_000 ? true : nil
            }
            try daemon.drainWithSentinel(publisher, name: "downtime")
            let tally = try daemon.alarmTally()
            #expect(tally.total == 5_001)
            #expect(tally.events.count == 501)
            #expect(tally.counts.filter { $0.key.hasPrefix("D-") }.values.allSatisfy { $0 == 10 })
            #expect(daemon.stop() == 0)
            #expect(try daemon.integrityCheck() == "ok")
        }

        /// Promise 4: the same message twice (also after a crash and restart) yields one event with count 1.
        @Test func redeliveredMessageCountsOnce() throws {
            let broker = try MosquittoBroker()
            let daemon = try LookoutdProcess(broker: broker, rules: Alarm.rules)
            try daemon.start()
            let publisher = try TestPublisher(broker: broker)
            try publisher.publishAlarm("D-twice", sequence: 1)
            try publisher.publishAlarm("D-twice", sequence: 1)
            try daemon.drainWithSentinel(publisher, name: "first")
            #expect(try daemon.alarmTally().counts["D-twice"] == 1)
            _ = try waitFor("the duplicate in the metrics", log: daemon.log) {
                daemon.metric("lookout_messages_duplicate_total") == 1 ? true : nil
            }

            // After a crash the fingerprints come back from the database.
            daemon.killHard()
            try daemon.start()
            try publisher.publishAlarm("D-twice", sequence: 1)
            try daemon.drainWithSentinel(publisher, name: "second")
            let tally = try daemon.alarmTally()
            #expect(tally.counts["D-twice"] == 1)
            #expect(tally.events["D-twice"] == 1)
            #expect(daemon.stop() == 0)
        }
    }
}

extension MosquittoBroker {
    /// A test broker restarted on the shipped `config/mosquitto.conf`: its listener on the test port, its
    /// persistence and log in the broker's directory (where Debian's main file would put them), every other
    /// setting as shipped.
    static func withShippedConfiguration() throws -> MosquittoBroker {
        let broker = try MosquittoBroker()
        let shipped = try String(contentsOfFile: LookoutdProcess.repositoryFile("config/mosquitto.conf"), encoding: .utf8)
        var lines: [String] = []
        for line in shipped.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) where !line.isEmpty && !line.hasPrefix("#") {
            if line.hasPrefix("listener ") {
                lines.append("listener \(broker.port) 127.0.0.1")
            } else if ["allow_anonymous", "password_file", "acl_file"].contains(where: { line.hasPrefix($0 + " ") }) {
                // The delivery tests are about queues and persistence; access control is BrokerExampleTests'.
                continue
            } else if !line.hasPrefix("log_dest") {
                lines.append(line)
            }
        }
        guard lines.contains(where: { $0.hasPrefix("max_queued_messages ") }) else {
            throw ReliabilityError("config/mosquitto.conf does not raise max_queued_messages")
        }
        // The example leaves the persistence location to Debian's main file (see BrokerExampleTests).
        lines += ["allow_anonymous true", "persistence_location \(broker.directory.path)/", "log_dest file \(broker.directory.file("mosquitto.log"))", "log_type error", "log_type warning", "log_type notice", "log_type information"]
        try (lines.joined(separator: "\n") + "\n").write(toFile: broker.directory.file("mosquitto.conf"), atomically: true, encoding: .utf8)
        try broker.restart()
        return broker
    }
}
