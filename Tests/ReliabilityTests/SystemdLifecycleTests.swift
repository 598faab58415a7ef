import Foundation
import LookoutTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension ReliabilityTests {
    /// Promise 8: the sd_notify protocol end to end with the binary, against a test datagram socket.
    @Suite struct SystemdLifecycleTests {
        @Test func readyAfterSubscriptionWatchdogReloadAndStop() throws {
            // The broker logs each SUBSCRIBE it handles, before it sends the SUBACK.
            let broker = try MosquittoBroker(extraConfig: ["log_type subscribe"])
            let daemon = try LookoutdProcess(broker: broker, rules: Alarm.rules, settings: ["shutdown": ["timeout": "10s"]])
            try daemon.launch(environment: ["WATCHDOG_USEC": "200000"])

            let ready = try #require(daemon.notify.waitFor("READY=1", timeout: 60), "no READY=1; log:\n\(daemon.log)")
            // READY=1 comes only after the broker handled the subscription…
            #expect(broker.log.contains("lookoutd-rel 1 +/+/+/+"), "READY=1 before the broker saw the subscription:\n\(broker.log)")
            #expect(daemon.notify.messages[..<ready].allSatisfy { !$0.has("READY=1") })
            // …so an alarm published right now, to a fresh session, is not lost.
            let publisher = try TestPublisher(broker: broker)
            try publisher.publishAlarm("D-ready", sequence: 1)
            try daemon.drainWithSentinel(publisher, name: "ready")
            #expect(try daemon.alarmTally().counts["D-ready"] == 1)

            // WATCHDOG_USEC=200000: pings every 0.1 s from the loop thread.
            #expect(daemon.notify.waitForMessage(from: ready, timeout: 60) { _ in
                daemon.notify.messages[ready...].filter { $0.has("WATCHDOG=1") }.count >= 3
            } != nil, "fewer than 3 WATCHDOG=1 after READY=1")

            // SIGHUP: RELOADING=1 with MONOTONIC_USEC (CLOCK_MONOTONIC at the reload), then READY=1.
            let beforeReload = daemon.notify.messages.count
            let monotonicBefore = Self.monotonicMicroseconds()
            daemon.send(SIGHUP)
            let reloading = try #require(daemon.notify.waitFor("RELOADING=1", from: beforeReload, timeout: 60))
            let stamp = try #require(daemon.notify.messages[reloading].value(of: "MONOTONIC_USEC").flatMap { UInt64($0) })
            #expect(stamp >= monotonicBefore && stamp <= Self.monotonicMicroseconds())
            #expect(daemon.notify.waitFor("READY=1", from: reloading + 1, timeout: 60) != nil, "no READY=1 after the reload")

            // SIGTERM in the middle of a stream: STOPPING=1, exit 0 within the configured timeout, nothing lost.
            for device in 0..<500 { try publisher.publishAlarm(Alarm.deviceID(device), sequence: 1) }
            try publisher.flush()
            let beforeStop = daemon.notify.messages.count
            daemon.send(SIGTERM)
            #expect(daemon.notify.waitFor("STOPPING=1", from: beforeStop, timeout: 60) != nil)
            #expect(daemon.waitForExit(timeout: 60) == 0, "\(daemon.log)")
            #expect(daemon.logLines(containing: "stopped uncleanly").isEmpty)
            #expect(try daemon.statusRow()["state"] == "stopped")

            try daemon.start()
            try daemon.drainWithSentinel(publisher, name: "after-stop")
            let tally = try daemon.alarmTally()
            for device in 0..<500 { #expect(tally.counts[Alarm.deviceID(device)] == 1) }
            #expect(daemon.stop() == 0)
        }

        @Test func noWatchdogPingsWhenTheWatchdogBelongsToAnotherProcess() throws {
            let broker = try MosquittoBroker()
            let daemon = try LookoutdProcess(broker: broker, rules: Alarm.rules)
            try daemon.start(environment: ["WATCHDOG_USEC": "200000", "WATCHDOG_PID": "1"])
            // Two more status rows (interval 500ms) span several would-be ping periods of 0.1 s.
            var seen: Set<String> = []
            _ = try waitFor("three status rows", log: daemon.log) {
                if let updated = try daemon.statusRow()["updated_at"] { seen.insert(updated) }
                return seen.count >= 3 ? true : nil
            }
            #expect(daemon.notify.messages.allSatisfy { !$0.has("WATCHDOG=1") })
            #expect(daemon.stop() == 0)
        }

        /// The signal mask survives exec: a daemon started with SIGTERM and SIGHUP blocked must still obey them.
        @Test func stopAndReloadWorkWhenTheParentBlockedTheSignals() throws {
            let broker = try MosquittoBroker()
            let daemon = try LookoutdProcess(broker: broker, rules: Alarm.rules)
            try daemon.launch(blockedSignals: [SIGTERM, SIGINT, SIGHUP])
            let ready = try #require(daemon.notify.waitFor("READY=1", timeout: 60), "no READY=1; log:\n\(daemon.log)")
            daemon.send(SIGHUP)
            #expect(daemon.notify.waitFor("RELOADING=1", from: ready + 1, timeout: 60) != nil, "SIGHUP ignored")
            #expect(daemon.stop() == 0, "SIGTERM ignored")
        }

        static func monotonicMicroseconds() -> UInt64 {
            var time = timespec()
            clock_gettime(CLOCK_MONOTONIC, &time)
            return UInt64(time.tv_sec) * 1_000_000 + UInt64(time.tv_nsec) / 1_000
        }
    }
}
