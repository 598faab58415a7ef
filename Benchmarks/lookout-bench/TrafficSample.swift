import Daemon
import Simulation

/// The generated docs/domain.md traffic every benchmark uses: the default mix of `TrafficGenerator`
/// (mostly telemetry and granted door accesses, some alarms that clear later), deterministic per seed.
enum TrafficSample {
    /// First message time (Unix milliseconds); later ones are `spacingMillis` apart.
    static let startMillis: Int64 = 1_763_880_000_000
    /// Default spacing of message times.
    static let spacingMillis: Int64 = 10

    /// The time of the last of `count` messages `spacingMillis` apart: a pipeline clock that starts here sees
    /// every `ts` in its past, as lookoutd sees a buffered backlog (a `ts` ahead of its clock is rejected).
    static func lastMillis(of count: Int, spacingMillis: Int64 = spacingMillis) -> Int64 {
        startMillis + Int64(max(count - 1, 0)) * spacingMillis
    }

    /// The fleet of `options.devicesPerKind` devices of each kind.
    static func fleet(_ options: BenchmarkOptions) -> SimulatedFleet {
        SimulatedFleet(devicesPerKind: options.devicesPerKind, seed: options.seed)
    }

    /// `options.messages` messages from `fleet`, stamped `spacingMillis` apart from `startMillis`.
    static func messages(_ options: BenchmarkOptions, fleet: SimulatedFleet, spacingMillis: Int64 = spacingMillis) -> [SimulatedMessage] {
        var traffic = TrafficGenerator(fleet: fleet, seed: options.seed)
        var messages: [SimulatedMessage] = []
        messages.reserveCapacity(options.messages)
        for index in 0..<options.messages {
            guard let message = traffic.next(ts: startMillis + Int64(index) * spacingMillis) else { break }
            messages.append(message)
        }
        return messages
    }
}
