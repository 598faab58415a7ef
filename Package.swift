// swift-tools-version:6.0
import PackageDescription

/// Lookout: a community sensor alert daemon.
///
/// Dependencies run one way: executables → Daemon → {Rules, EventCore, MQTTClient} → C modules.
let package = Package(
    name: "Lookout",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "lookoutd", targets: ["lookoutd"]),
        .executable(name: "lookout", targets: ["lookout"]),
        .executable(name: "lookout-sim", targets: ["lookout-sim"]),
    ],
    targets: [
        // C libraries from Debian.
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),

        // Libraries. `Vocabulary` is what every module shares (text safety first); it imports only the standard library.
        .target(name: "Vocabulary"),
        .target(name: "MQTTClient", dependencies: ["CMosquitto"]),
        .target(name: "EventCore", dependencies: ["CSQLite"]),
        .target(name: "Rules", dependencies: ["Vocabulary"]),
        .target(name: "Daemon", dependencies: ["MQTTClient", "EventCore", "Rules", "Vocabulary"]),

        // Executables.
        .executableTarget(name: "lookoutd", dependencies: ["Daemon"]),
        .executableTarget(name: "lookout", dependencies: ["Daemon", "EventCore", "Rules", "Vocabulary"]),
        .executableTarget(name: "lookout-sim", dependencies: ["Daemon", "MQTTClient"]),

        // Test support: starts a private mosquitto on a free loopback port, temp dirs, child processes.
        .target(name: "LookoutTestSupport", dependencies: [], path: "Tests/LookoutTestSupport"),

        // Tests, one target per library (CLITests drives the built executables).
        .testTarget(name: "MQTTClientTests", dependencies: ["MQTTClient", "LookoutTestSupport"]),
        .testTarget(name: "EventCoreTests", dependencies: ["EventCore", "LookoutTestSupport"]),
        .testTarget(name: "RulesTests", dependencies: ["Rules", "LookoutTestSupport"]),
        .testTarget(name: "DaemonTests", dependencies: ["Daemon", "MQTTClient", "EventCore", "Rules", "Vocabulary", "LookoutTestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["EventCore", "MQTTClient", "LookoutTestSupport", "Daemon", "Vocabulary", "lookout"]),

        // Benchmarks (`swift build -c release --product lookout-bench`); shares the traffic generator with lookout-sim.
        .executableTarget(name: "lookout-bench", dependencies: ["Rules", "Daemon", "EventCore", "MQTTClient"], path: "Benchmarks/lookout-bench"),
    ],
    swiftLanguageModes: [.v6]
)

// Reliability and security tests (issue 5): the real lookoutd binary against a real mosquitto and SQLite.
package.targets.append(
    .testTarget(name: "ReliabilityTests", dependencies: ["Daemon", "MQTTClient", "EventCore", "Rules", "LookoutTestSupport", "lookoutd"])
)
