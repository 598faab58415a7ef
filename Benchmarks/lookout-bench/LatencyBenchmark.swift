import Daemon
import Dispatch
import EventCore
import FoundationEssentials
import MQTTClient
import Simulation
import Synchronization
import Vocabulary

/// `lookout-bench latency`: against a running lookoutd (`scripts/bench-e2e.sh --phases latency` sets one up),
/// publishes call-button presses while background telemetry flows, and times each press until its event is in
/// the change feed that `lookout watch` reads.
enum LatencyBenchmark: Benchmark {
    static let name = "latency"
    static let summary = "call-button press publish → event in the database (lookout watch's feed), p50/p99, under background traffic"
    static let optionsHelp = [
        "--port N              broker port on 127.0.0.1 of the running lookoutd",
        "--database PATH       that lookoutd's database",
        "--messages N          presses (at most the call buttons in the fleet; default 200000 is capped)",
        "--devices-per-kind N  the fleet lookoutd's registry was written for (lookout-sim --registry)",
        "--background-rate N   background messages per second (default 10000)",
    ]

    static func run(_ options: BenchmarkOptions) throws -> BenchmarkReport {
        let fleet = TrafficSample.fleet(options)
        let buttons = fleet.devices(of: .sos)
        let presses = min(options.messages, buttons.count)
        guard presses > 0 else { throw BenchmarkError(description: "the fleet has no call buttons") }
        var mqtt = MQTTOptions()
        mqtt.port = options.port
        mqtt.clientID = "lookout-bench-press"
        mqtt.cleanSession = true
        let publisher = try MQTTPublisher(options: mqtt)
        try publisher.connect()
        let store = try EventStore(path: options.databasePath, readOnly: true)

        let progress = BackgroundProgress()
        let backgroundDone = DispatchSemaphore(value: 0)
        try DetachedThread.start(name: "bench-background") { [options] in
            publishBackground(options: options, fleet: fleet, progress: progress)
            backgroundDone.signal()
        }
        ThreadSleep.sleep(seconds: 1)

        var latencies: [Double] = []
        var missing = 0
        for button in buttons.prefix(presses) {
            var sequence = try store.latestChangeSequence()
            let press = DevicePayloads.sosPress(button, ts: Int64(Date().timeIntervalSince1970 * 1000))
            let started = ContinuousClock.now
            try publisher.publish(topic: press.topic, payload: press.payload, qos: 1)
            var seen = false
            while !seen && started.duration(to: .now) < .seconds(5) {
                for change in try store.changes(after: sequence, limit: 1000) {
                    sequence = change.sequence
                    if change.event.deviceID == button.id { seen = true }
                }
                if !seen { ThreadSleep.sleep(seconds: 0.0005) }
            }
            if seen {
                let elapsed = started.duration(to: .now).components
                latencies.append(Double(elapsed.seconds) * 1000 + Double(elapsed.attoseconds) * 1e-15)
            } else {
                missing += 1
            }
            ThreadSleep.sleep(seconds: 0.02)
        }
        progress.stop.store(true, ordering: .relaxed)
        backgroundDone.wait()
        publisher.disconnect()
        latencies.sort()
        guard !latencies.isEmpty else { throw BenchmarkError(description: "no press reached the database within 5 s") }
        return BenchmarkReport(results: [], notes: [
            "\(latencies.count) presses (\(missing) not seen within 5 s), \(progress.sent.load(ordering: .relaxed)) background messages at \(options.backgroundRate)/s",
            "press → event in the change feed: \(ResultTable.percentiles(ofSorted: latencies))",
            "(the feed is polled every 0.5 ms; lookout watch itself polls less often)",
        ])
    }

    /// Publishes generated traffic without events at `backgroundRate`, in 10 ms slices, until `stop`.
    static func publishBackground(options: BenchmarkOptions, fleet: SimulatedFleet, progress: BackgroundProgress) {
        var mqtt = MQTTOptions()
        mqtt.port = options.port
        mqtt.clientID = "lookout-bench-background"
        mqtt.cleanSession = true
        guard let publisher = try? MQTTPublisher(options: mqtt), (try? publisher.connect()) != nil else { return }
        var traffic = TrafficGenerator(fleet: fleet, seed: options.seed, eventFraction: 0)
        let perSlice = max(1, options.backgroundRate / 100)
        let clock = ContinuousClock()
        var next = clock.now
        while !progress.stop.load(ordering: .relaxed) {
            for _ in 0..<perSlice {
                guard let message = traffic.next(ts: Int64(Date().timeIntervalSince1970 * 1000)), !message.topic.contains("/sos/") else { continue }
                if (try? publisher.publish(topic: message.topic, payload: message.payload, qos: 1)) != nil {
                    progress.sent.add(1, ordering: .relaxed)
                }
            }
            next = next.advanced(by: .milliseconds(10))
            let wait = clock.now.duration(to: next)
            if wait > .zero { ThreadSleep.sleep(seconds: Double(wait.components.attoseconds) * 1e-18) }
        }
        try? publisher.flush(timeout: 5)
        publisher.disconnect()
    }
}

/// Shared between the press loop and the background publisher thread.
final class BackgroundProgress: Sendable {
    /// Set by the press loop when it is done.
    let stop = Atomic<Bool>(false)
    /// Background messages published.
    let sent = Atomic<Int>(0)
}
