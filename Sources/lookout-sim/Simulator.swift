import FoundationEssentials
import MQTTClient
import Simulation
import Synchronization
import Vocabulary

/// Set by SIGINT/SIGTERM: finish the current message, flush and exit.
let stopRequested = Atomic<Bool>(false)

/// Publishes what the options ask for through one MQTT publisher.
struct Simulator {
    let options: SimulatorOptions
    let fleet: SimulatedFleet
    /// Where messages go; nil with `--dry-run` (printed instead).
    let publisher: MQTTPublisher?
    /// Messages published, by the first part of their label (`telemetry`, `event`, `status`, `garbage`).
    private(set) var tally: [String: Int] = [:]

    init(options: SimulatorOptions, fleet: SimulatedFleet, publisher: MQTTPublisher?) {
        self.options = options
        self.fleet = fleet
        self.publisher = publisher
    }

    /// Publishes one message and counts it.
    mutating func publish(_ message: SimulatedMessage) throws(MQTTError) {
        try publisher?.publish(topic: message.topic, payload: message.payload, qos: options.qos, retain: message.retain)
        let category = message.label.split(separator: ":").first.map(String.init) ?? message.label
        tally[category, default: 0] += 1
        if options.verbose || publisher == nil {
            Terminal.say("\(message.topic)\(message.retain ? " (retained)" : "") \(Terminal.sanitised(message.payload))")
        }
    }

    /// Background traffic at `--rate` until `--count`, `--duration` or an interrupt; starts with every
    /// device's retained `{"online":true}`.
    mutating func runTraffic() throws(MQTTError) {
        for device in fleet.devices { try publish(DevicePayloads.status(device, online: true)) }
        var traffic = TrafficGenerator(fleet: fleet, seed: options.seed, eventFraction: options.eventFraction, garbageRate: options.garbageRate)
        let clock = ContinuousClock()
        let start = clock.now
        let interval = 1.0 / options.rate
        var sent = 0
        while !stopRequested.load(ordering: .relaxed) {
            if let count = options.count, sent >= count { break }
            let due = start + .seconds(Double(sent) * interval)
            if let duration = options.duration, due - start >= .seconds(duration) { break }
            let wait = due - clock.now
            if wait > .zero { Self.pause(Self.seconds(wait)) }
            guard let message = traffic.next(ts: WallClock.now()) else { break }
            try publish(message)
            sent += 1
        }
    }

    /// Plays a scenario step by step, printing each step.
    mutating func play(_ scenario: Scenario) throws(MQTTError) {
        Terminal.say("scenario \(scenario.name): \(scenario.summary)")
        for step in scenario.steps {
            let delay = options.fast ? step.fastDelaySeconds : step.delaySeconds
            Self.pause(delay)
            if stopRequested.load(ordering: .relaxed) { break }
            let message = step.message(WallClock.now() + step.tsOffsetMillis)
            Terminal.say("  \(step.note)")
            try publish(message)
        }
    }

    /// One line: how many messages of each category were published.
    var summary: String {
        let total = tally.values.reduce(0, +)
        let parts = tally.keys.sorted().map { "\($0) \(tally[$0] ?? 0)" }
        return (publisher == nil ? "printed" : "published") + " \(total) messages" + (parts.isEmpty ? "" : " (" + parts.joined(separator: ", ") + ")")
    }

    /// Sleeps `seconds`, in slices short enough that an interrupt is noticed within 0.1 s.
    private static func pause(_ seconds: Double) {
        let clock = ContinuousClock()
        let end = clock.now + .seconds(max(0, seconds))
        while !stopRequested.load(ordering: .relaxed) {
            let left = Self.seconds(end - clock.now)
            if left <= 0 { return }
            ThreadSleep.sleep(seconds: min(left, 0.1))
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}
