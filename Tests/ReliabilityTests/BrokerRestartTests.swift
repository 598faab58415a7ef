import Foundation
import LookoutTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension ReliabilityTests {
    /// Promise 3: a broker restart is survived, logged once per state change, and visible in the status row.
    @Suite struct BrokerRestartTests {
        @Test func brokerRestartIsSurvivedWithOneLineEachWay() throws {
            let broker = try MosquittoBroker()
            let daemon = try LookoutdProcess(broker: broker, rules: Alarm.rules)
            try daemon.start()
            do {
                let publisher = try TestPublisher(broker: broker)
                try publisher.publishAlarm("D-before", sequence: 1)
                try daemon.drainWithSentinel(publisher, name: "before")
            }

            broker.stop()
            _ = try waitFor("the status row to say disconnected", log: daemon.log) {
                try daemon.statusRow()["connected"] == "false" ? true : nil
            }
            // Several reconnect attempts fail while the broker is down (reconnect_min 200ms, max 1s): they must
            // not produce one log line each. The pause is not measured, it only lets retries happen.
            usleep(3_000_000)
            try broker.start()
            let row = try waitFor("the status row to say connected again", log: daemon.log) {
                let row = try daemon.statusRow()
                return row["connected"] == "true" && row["broker_reconnects"] == "1" ? row : nil
            }
            #expect(row["state"] == "running")

            let publisher = try TestPublisher(broker: broker)
            try publisher.publishAlarm("D-before", sequence: 2)
            try publisher.publishAlarm("D-after", sequence: 1)
            try daemon.drainWithSentinel(publisher, name: "after")
            let tally = try daemon.alarmTally()
            #expect(tally.counts["D-before"] == 2)
            #expect(tally.counts["D-after"] == 1)

            #expect(daemon.logLines(containing: "broker connection lost").count == 1, "\(daemon.log)")
            #expect(daemon.logLines(containing: "connected to broker").count == 2, "\(daemon.log)")
            #expect(daemon.logLines(containing: "session resumed").count == 1)
            #expect(daemon.stop() == 0)
        }

        /// Started while the broker is down: no READY=1, one line, and it connects when the broker comes.
        @Test func startedBeforeTheBrokerConnectsWhenItComes() throws {
            let broker = try MosquittoBroker()
            broker.stop()
            let daemon = try LookoutdProcess(broker: broker, rules: Alarm.rules)
            try daemon.launch()
            _ = try waitFor("the failed connection in the log", log: daemon.log) {
                daemon.logLines(containing: "broker connection lost").first
            }
            #expect(daemon.isRunning)
            #expect(!daemon.notify.messages.contains { $0.has("READY=1") })
            usleep(2_000_000)   // lets several attempts fail; not measured
            try broker.start()
            #expect(daemon.notify.waitFor("READY=1", timeout: 60) != nil, "\(daemon.log)")
            let publisher = try TestPublisher(broker: broker)
            try daemon.drainWithSentinel(publisher, name: "late-broker")
            #expect(daemon.logLines(containing: "broker connection lost").count == 1, "\(daemon.log)")
            #expect(daemon.stop() == 0)
        }
    }
}
