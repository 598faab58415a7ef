import Dispatch
import EventCore
import Foundation
import LookoutTestSupport
import Synchronization
import Testing

extension ReliabilityTests {
    /// Issue 16: staff requests share the event core with intake. A burst of 200 staff writes (8 at a time) and a
    /// long reader of every event, while devices send a stream of alarms, must not cost a call-button press its
    /// event, nor any request its answer, nor any alarm its count. (How long the press takes under such a burst is
    /// a benchmark figure, `scripts/bench-e2e.sh --phases latency --staff-burst 200`, not a threshold here.)
    @Suite struct StaffBurstTests {
        @Test func aStaffBurstAndALongReaderLoseNothingWhileACallIsPressed() throws {
            let broker = try MosquittoBroker()
            let daemon = try LookoutdProcess(broker: broker, rules: .shipped, registry: EscalationChainEndToEndTests.registry)
            try daemon.start()
            let stream = try AlarmStream(broker: broker, devices: 50)
            stream.start()
            let report = try daemon.lookout(["report", "--kind", "other", "--level", "yellow", "--where", "office",
                                             "--title", "staff burst"])
            #expect(report.status == 0, "\(report.stderr)")
            let noted = try #require(report.stdout.firstMatch(of: /E-[0-9]+/).map { String($0.output) }, "\(report.stdout)")

            let failures = Mutex<[String]>([])
            let readerDone = Atomic<Bool>(false)
            let readerRuns = Atomic<Int>(0)
            let environment = ["COLUMNS": "250", "LOOKOUT_SOCKET": daemon.socketPath]
            @Sendable func lookout(_ arguments: [String]) -> ChildProcess.Result? {
                try? LookoutdProcess.runCLI(arguments, environment: environment)
            }
            let reader = Thread {
                while !readerDone.load(ordering: .sequentiallyConsistent) {
                    let read = lookout(["events", "--all", "-n", "100000", "--json"])
                    if read?.status != 0 { failures.withLock { $0.append("reader: \(read?.stderr ?? "did not run")") } }
                    readerRuns.add(1, ordering: .sequentiallyConsistent)
                }
            }
            reader.start()
            let burstDone = Atomic<Bool>(false)
            let burst = Thread {
                DispatchQueue.concurrentPerform(iterations: 8) { worker in
                    for request in stride(from: worker, to: 200, by: 8) {
                        let note = lookout(["note", noted, "burst note \(request)"])
                        if note?.status != 0 { failures.withLock { $0.append("note \(request): \(note?.stderr ?? "did not run")") } }
                    }
                }
                burstDone.store(true, ordering: .sequentiallyConsistent)
            }
            burst.start()
            // The press comes in while the burst is running.
            _ = try waitFor("the burst under way") {
                try daemon.store().timeline(of: noted).count > 20 ? true : nil
            }
            let publisher = try TestPublisher(broker: broker)
            try publisher.publish("c01/sos/SOS-0301/event", #"{"event":"sos","press":"short"}"#)
            _ = try waitFor("the burst to end", timeout: 600) { burstDone.load(ordering: .sequentiallyConsistent) ? true : nil }
            readerDone.store(true, ordering: .sequentiallyConsistent)
            try publisher.flush()
            let sent = try stream.finish()

            #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
            #expect(readerRuns.load(ordering: .sequentiallyConsistent) >= 1)
            let call = try waitFor("the call's event", log: daemon.log) {
                try daemon.events().first { $0.deviceID == "SOS-0301" }
            }
            #expect(call.level == .red)
            let notes = try daemon.store().timeline(of: noted).filter { $0.note.hasPrefix("burst note ") }
            #expect(Set(notes.map(\.note)).count == 200)
            // Every alarm of the stream counted (the shipped door rule folds them per device).
            let total = sent.values.reduce(0, +)
            _ = try waitFor("every alarm counted", log: daemon.log) {
                (daemon.metric("lookout_messages_received_total") ?? 0) >= Double(total + 1) ? true : nil
            }
            #expect(daemon.stop() == 0)
        }
    }
}
