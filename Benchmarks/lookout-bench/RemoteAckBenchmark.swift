import Dispatch
import FoundationEssentials
import MQTTClient
import Simulation
import StaffAPI
import Vocabulary

/// `lookout-bench remote-ack`: the staff API round trip over the broker (issue 16). Against a running lookoutd that
/// serves `[remote]` (`scripts/bench-e2e.sh --remote-acks N` sets one up), while background device telemetry flows,
/// a staff broker user raises a manual event and acknowledges it, N times on one MQTT 5 connection; each `ack` is
/// timed from its publish to lookoutd's answer (a write transaction with its timeline entry and audit row, and two
/// trips through the broker).
enum RemoteAckBenchmark: Benchmark {
    static let name = "remote-ack"
    static let summary = "remote `ack` through the broker (MQTT 5 request → lookoutd's answer), p50/p99, under background traffic"
    static let optionsHelp = [
        "--port N              broker port on 127.0.0.1 of the running lookoutd ([remote] enabled)",
        "--user NAME           staff broker user (default bench; staff or above in lookoutd's directory)",
        "--password-file PATH  file with that user's broker password",
        "--messages N          acks (default 200000 is capped at 1000)",
        "--devices-per-kind N  the fleet of the background traffic",
        "--background-rate N   background messages per second (default 10000)",
    ]

    static func run(_ options: BenchmarkOptions) throws -> BenchmarkReport {
        let acks = min(options.messages, 1_000)
        let client = try connect(options)
        defer { client.disconnect() }
        let fleet = TrafficSample.fleet(options)
        let progress = BackgroundProgress()
        let backgroundDone = DispatchSemaphore(value: 0)
        try DetachedThread.start(name: "bench-background") { [options] in
            LatencyBenchmark.publishBackground(options: options, fleet: fleet, progress: progress)
            backgroundDone.signal()
        }
        ThreadSleep.sleep(seconds: 1)
        var latencies: [Double] = []
        var failed = 0
        for number in 0..<acks {
            let report = try ask(client, options.user, .report, ["kind": "other", "level": "yellow", "where": "bench desk",
                                                                 "title": "bench remote ack \(number)"])
            guard let eventID = report.response?.result?.event?.id else { failed += 1; continue }
            let ack = try ask(client, options.user, .acknowledge, ["id": eventID, "note": "bench"])
            if ack.response?.ok == true { latencies.append(ack.milliseconds) } else { failed += 1 }
            ThreadSleep.sleep(seconds: 0.02)
        }
        progress.stop.store(true, ordering: .relaxed)
        backgroundDone.wait()
        latencies.sort()
        guard !latencies.isEmpty else { throw BenchmarkError(description: "no ack was answered (is lookoutd serving [remote]?)") }
        return BenchmarkReport(results: [], notes: [
            "\(latencies.count) acks answered (\(failed) failed or unanswered within 10 s), \(progress.sent.load(ordering: .relaxed)) background messages at \(options.backgroundRate)/s",
            "remote ack, publish → answer: \(ResultTable.percentiles(ofSorted: latencies))",
        ])
    }

    /// One MQTT 5 connection of the staff user, reading its answers.
    private static func connect(_ options: BenchmarkOptions) throws -> MQTT5Client {
        var mqtt = MQTTOptions()
        mqtt.port = options.port
        mqtt.clientID = "lookout-bench-staff"
        mqtt.cleanSession = true
        mqtt.username = options.user
        if let path = options.passwordFile, let data = FileManager.default.contents(atPath: path) {
            mqtt.password = String(decoding: data, as: UTF8.self).trimmingNewlines()
        }
        let client = try MQTT5Client(options: mqtt, subscriptions: [("lookout/api/\(options.user)/resp/#", 1)])
        try client.connect()
        return client
    }

    /// Sends one request and waits (up to 10 s) for its answer; the time from the publish to the answer.
    private static func ask(_ client: MQTT5Client, _ user: String, _ operation: APIOperation,
                            _ arguments: [String: String]) throws -> (response: APIResponse?, milliseconds: Double) {
        let request = APIRequest(id: UUID().uuidString, expiresAt: WallClock.now() + 60_000, operation: operation, arguments: arguments)
        let correlation = Array(request.id.utf8)
        let started = ContinuousClock.now
        try client.publish(topic: "lookout/api/\(user)/req/\(request.id)", payload: APILine.encode(request), qos: 1,
                           properties: MQTT5Properties(correlationData: correlation, messageExpirySeconds: 60))
        while started.duration(to: .now) < .seconds(10), let message = client.nextMessage(timeout: 10) {
            guard message.properties.correlationData == correlation else { continue }
            let elapsed = started.duration(to: .now).components
            let payload = message.payload.last == UInt8(ascii: "\n") ? Array(message.payload.dropLast()) : message.payload
            return (try? APILine.decode(APIResponse.self, from: payload),
                    Double(elapsed.seconds) * 1000 + Double(elapsed.attoseconds) * 1e-15)
        }
        return (nil, 0)
    }
}
