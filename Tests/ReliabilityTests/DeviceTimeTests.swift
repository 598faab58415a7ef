@testable import Daemon
import EventCore
import Foundation
import LookoutTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension ReliabilityTests {
    /// Issue 14 items 3, 4 and 6: a real repeat is not a redelivery, device time is kept beside the time of
    /// arrival, and a retained state is not a new occurrence.
    @Suite struct DeviceTimeTests {
        static let forced = #"{"event":"door_forced","door":1}"#

        /// Item 3: the same payload without `ts` sent again later is a second occurrence (counted), while the
        /// broker's resend of a message whose acknowledgement was lost (after the connection drops) is not.
        @Test func aRealRepeatCountsTwiceAndARedeliveryAfterAReconnectOnce() throws {
            let broker = try MosquittoBroker()
            let relay = try AckDroppingRelay(targetPort: broker.port)
            let daemon = try LookoutdProcess(broker: broker, rules: Alarm.rules, settings: ["broker": ["port": String(relay.port)]])
            try daemon.start()
            let publisher = try TestPublisher(broker: broker)
            let topic = Alarm.topic("D-repeat")
            func count(is expected: Int) throws {
                _ = try waitFor("door D-repeat counted \(expected) times", log: daemon.log) {
                    try daemon.alarmTally().counts["D-repeat"] == expected ? true : nil
                }
            }
            try publisher.publish(topic, Self.forced)
            try count(is: 1)
            // The door is forced again (minutes later for the device; for the broker simply a new message).
            try publisher.publish(topic, Self.forced)
            try count(is: 2)

            // A third time, but lookoutd's acknowledgement never reaches the broker and the connection drops:
            // the broker resends it after the reconnect. It was counted once and stays so.
            relay.swallowClientBytes()
            try publisher.publish(topic, Self.forced)
            try count(is: 3)
            relay.cutConnections()
            // At least this one comes back; the second's acknowledgement may have been swallowed too (lookoutd
            // sends it just after the commit the test waited for), and then it comes back as well.
            _ = try waitFor("the redelivery recognised", log: daemon.log) {
                (daemon.metric("lookout_messages_duplicate_total") ?? 0) >= 1 ? true : nil
            }
            try daemon.drainWithSentinel(publisher, name: "repeat")
            let tally = try daemon.alarmTally()
            #expect(tally.counts["D-repeat"] == 3)
            #expect(tally.events["D-repeat"] == 1)
            #expect(daemon.logLines(containing: "session resumed").count >= 1)
            #expect(daemon.stop() == 0)
        }

        /// Item 3: the same after the broker itself restarts (it saved the unacknowledged message on the way
        /// down and resends it from its persistence file).
        @Test func aRedeliveryAfterABrokerRestartCountsOnce() throws {
            let broker = try MosquittoBroker()
            let relay = try AckDroppingRelay(targetPort: broker.port)
            let daemon = try LookoutdProcess(broker: broker, rules: Alarm.rules, settings: ["broker": ["port": String(relay.port)]])
            try daemon.start()
            let topic = Alarm.topic("D-restart")
            do {
                let publisher = try TestPublisher(broker: broker)
                relay.swallowClientBytes()
                try publisher.publish(topic, Self.forced)
                try publisher.flush()
            }
            _ = try waitFor("the alarm counted", log: daemon.log) {
                try daemon.alarmTally().counts["D-restart"] == 1 ? true : nil
            }
            broker.stop()
            relay.cutConnections()
            try broker.start()
            _ = try waitFor("the redelivery recognised", log: daemon.log) {
                daemon.metric("lookout_messages_duplicate_total") == 1 ? true : nil
            }
            let publisher = try TestPublisher(broker: broker)
            try publisher.publish(topic, Self.forced)
            try daemon.drainWithSentinel(publisher, name: "restart")
            #expect(try daemon.alarmTally().counts["D-restart"] == 2)
            #expect(daemon.stop() == 0)
        }

        /// Item 3, a restored queue: a broker restarted while lookoutd works through a backlog resends far more
        /// than its in-flight window (what it had sent since its last save), most of it after the subscription
        /// is confirmed; each message still counts once. (Found by trying: 20,000 became 21,339.)
        @Test func aBrokerRestartDuringABacklogCountsEachMessageOnce() throws {
            let broker = try MosquittoBroker(extraConfig: ["max_inflight_messages 20"])
            let daemon = try LookoutdProcess(broker: broker, rules: Alarm.rules)
            try daemon.start()
            let topic = Alarm.topic("D-backlog")
            let total = 5000
            daemon.send(SIGSTOP)
            do {
                let publisher = try TestPublisher(broker: broker)
                for _ in 0..<total { try publisher.publish(topic, Self.forced) }
                try publisher.flush()
            }
            daemon.send(SIGCONT)
            usleep(100_000)
            broker.stop()
            try broker.start()
            let publisher = try TestPublisher(broker: broker)
            try daemon.drainWithSentinel(publisher, name: "backlog")
            #expect(try daemon.alarmTally().counts["D-backlog"] == total, "\(daemon.log)")
            #expect(daemon.stop() == 0)
        }

        /// Item 4: a buffered report keeps the device's time beside the time of arrival; its deadlines count
        /// from arrival (never overdue before anyone saw it); `lookout show` and `lookout watch` say it came late.
        /// An implausible `ts` is a reject with its reason and a sample, and the alarm is still raised.
        @Test func aLateReportKeepsBothTimesAndAnImplausibleTsIsRejectedButNotTheAlarm() throws {
            let broker = try MosquittoBroker()
            let daemon = try LookoutdProcess(broker: broker, rules: Alarm.rules)
            try daemon.start()
            let publisher = try TestPublisher(broker: broker)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let happened = now - 3 * 3_600_000
            try publisher.publish(Alarm.topic("D-late"), #"{"ts":\#(happened),"event":"door_forced","door":1}"#)
            let event = try waitFor("the late alarm's event", log: daemon.log) {
                try daemon.events().first { $0.deviceID == "D-late" }
            }
            #expect(event.occurredAt == happened)
            #expect(event.firstSeen >= now - 1000)
            #expect(event.ackDeadline == event.firstSeen + 15 * 60_000)
            #expect(!event.overdue)
            let show = try daemon.lookout(["--no-color", "show", event.id])
            #expect(show.status == 0, "\(show.stderr)")
            #expect(show.stdout.contains("3h00m ago by the device's clock; raised 3h00m later"), "\(show.stdout)")
            let watched = try Self.watchOutput(socket: daemon.socketPath, until: "raised 3h00m later")
            #expect(watched.contains("happened 3h00m ago, raised 3h00m later"), "\(watched)")
            let timeline = try daemon.store().timeline(of: event.id)
            #expect(timeline.first?.note.contains("by the device's clock") == true)

            for ts in ["1", "\(now / 1000)", "\(now + 3_600_000)", "\(now - 30 * 86_400_000)"] {
                try publisher.publish(Alarm.topic("D-clock"), #"{"ts":\#(ts),"event":"door_forced","door":1}"#)
            }
            try daemon.drainWithSentinel(publisher, name: "clock")
            _ = try waitFor("four implausible ts rejected", log: daemon.log) {
                daemon.metric(#"lookout_messages_rejected_total{reason="implausible_ts"}"#) == 4 ? true : nil
            }
            // Each alarm is still an alarm, on the time of arrival, with no device time.
            #expect(try daemon.alarmTally().counts["D-clock"] == 4)
            #expect(try daemon.events().first { $0.deviceID == "D-clock" }?.occurredAt == nil)
            #expect(try daemon.store().recentRejects(reason: "implausible_ts").first?.topic == Alarm.topic("D-clock"))
            #expect(daemon.stop() == 0)
        }

        /// Item 4, the engine's half: a device's own sequence follows its clock. Five denied accesses buffered
        /// over 12 minutes of device time and sent in one burst are not "5 within 10 minutes" (the shipped
        /// `door_denied_burst`), while five within two minutes of device time are.
        @Test func aBufferedBurstIsCountedOnTheDevicesClock() throws {
            let broker = try MosquittoBroker()
            let registry = try String(contentsOfFile: LookoutdProcess.repositoryFile("config/devices.csv"), encoding: .utf8)
            let daemon = try LookoutdProcess(broker: broker, rules: .shipped, registry: registry)
            try daemon.start()
            let publisher = try TestPublisher(broker: broker)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let denied = { (ts: Int64) in #"{"ts":\#(ts),"event":"access","result":"denied","door":1}"# }
            for minutesAgo: Int64 in [20, 17, 14, 11, 8] {
                try publisher.publish("c01/door/DR-0001/event", denied(now - minutesAgo * 60_000))
            }
            for secondsAgo: Int64 in [120, 90, 60, 30, 1] {
                try publisher.publish("c01/door/DR-0002/event", denied(now - secondsAgo * 1000))
            }
            try publisher.flush()
            // Published in order on one connection: once DR-0002's burst raised, DR-0001's was processed.
            _ = try waitFor("the burst within two minutes of device time", log: daemon.log) {
                try daemon.events().first { $0.deviceID == "DR-0002" && $0.rule == "door_denied_burst" }
            }
            #expect(try daemon.events().filter { $0.deviceID == "DR-0001" }.isEmpty, "\(daemon.log)")
            #expect(daemon.stop() == 0)
        }

        /// What `lookout watch --since-start` through the lookoutd serving `socket` prints until `text` appears (or a generous limit passes).
        static func watchOutput(socket: String, until text: String) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: ChildProcess.product("lookout"))
            process.arguments = ["--no-color", "watch", "--since-start", "--no-bell", "--interval", "0.1"]
            var environment = ProcessInfo.processInfo.environment
            environment["LOOKOUT_SOCKET"] = socket
            process.environment = environment
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer {
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                process.waitUntilExit()
            }
            // A generous limit: then the child is killed, its pipe ends and a read that waits returns.
            let watchdog = ChildWatchdog(process)
            DispatchQueue.global().asyncAfter(deadline: .now() + 60) { watchdog.killIfRunning() }
            let reader = pipe.fileHandleForReading
            var output = Data()
            while !String(decoding: output, as: UTF8.self).contains(text) {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                output.append(chunk)
            }
            return String(decoding: output, as: UTF8.self)
        }

        /// Item 6: a retained alarm is the device's last state. Resolved by staff, it does not come back when
        /// lookoutd restarts long after the de-duplication window; a retained alarm that began while lookoutd
        /// was down raises.
        @Test func aResolvedRetainedAlarmDoesNotComeBackAfterARestart() throws {
            let broker = try MosquittoBroker()
            let daemon = try LookoutdProcess(broker: broker, rules: Alarm.rules, settings: ["storage": ["dedup_window": "1s"]])
            try daemon.start()
            let publisher = try TestPublisher(broker: broker)
            try publisher.client.publish(topic: Alarm.topic("D-kept"), payload: Array(Self.forced.utf8), qos: 1, retain: true)
            let event = try waitFor("the retained alarm's event", log: daemon.log) {
                try daemon.events().first { $0.deviceID == "D-kept" }
            }
            _ = try EventStore(path: daemon.databasePath).perform(.resolve, on: event.id, actor: "staff", note: "checked",
                                                                  at: Int64(Date().timeIntervalSince1970 * 1000))
            // Enough later batches, and time, that the alarm leaves the de-duplication memory (what lookoutd went by
            // before issue 14: the fingerprint of its topic and payload).
            for n in 1...(FingerprintMemory.keptBatches + 2) { try daemon.drainWithSentinel(publisher, name: "later-\(n)") }
            let fingerprint = messageFingerprint(topic: Alarm.topic("D-kept"), payload: Array(Self.forced.utf8))
            _ = try waitFor("the alarm's fingerprint pruned", log: daemon.log) {
                try daemon.store().recentMessageFingerprints(since: 0).contains(fingerprint) ? nil : true
            }
            #expect(daemon.stop() == 0)

            // While lookoutd is down, another door's alarm begins and is retained.
            try publisher.client.publish(topic: Alarm.topic("D-new"), payload: Array(Self.forced.utf8), qos: 1, retain: true)
            try publisher.flush()
            try daemon.start()
            try daemon.drainWithSentinel(publisher, name: "restarted")
            // The broker queued D-new's alarm for lookoutd's session and sends both retained states on subscribe:
            // D-kept's, processed before the restart, and D-new's, just processed from the queue.
            _ = try waitFor("the known retained states skipped", log: daemon.log) {
                daemon.metric("lookout_messages_retained_known_total") == 2 ? true : nil
            }
            let events = try daemon.events()
            #expect(events.filter { $0.deviceID == "D-kept" }.map(\.status) == [.resolved])
            #expect(events.filter { $0.deviceID == "D-new" }.map(\.status) == [.open])
            #expect(events.filter { $0.deviceID == "D-new" }.map(\.count) == [1])
            #expect(daemon.stop() == 0)
        }
    }
}

/// Kills a child from another thread only while the Process object still says it runs (never a reused pid).
private final class ChildWatchdog: @unchecked Sendable {
    private let process: Process
    private let lock = NSLock()

    init(_ process: Process) { self.process = process }

    func killIfRunning() {
        lock.withLock { if process.isRunning { process.terminate() } }
    }
}
