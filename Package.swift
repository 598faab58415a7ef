// swift-tools-version:6.0
import PackageDescription

/// Lookout: a community sensor alert daemon.
///
/// Dependencies run one way: executables → Daemon → {Rules, EventCore, MQTTClient, StaffAPI} → C modules; `Vocabulary`
/// is shared by all. Each executable depends on what it uses: the CLI on the event core, the rules, the staff API's
/// wire types, the MQTT client (the staff API over the broker) and the terminal text, not on the daemon; the simulator on the traffic generator and the MQTT client.
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
        // glibc's gettext (<libintl.h>), part of the C library: the CLI's translations (TerminalText/Localized.swift).
        .systemLibrary(name: "CIntl"),

        // Libraries. `Vocabulary` is what every module shares (text safety, the stable hash, system errors, the version,
        // time, the alert level and the wall clock);
        // it imports only the standard library and the C library.
        .target(name: "Vocabulary"),
        .target(name: "MQTTClient", dependencies: ["CMosquitto", "Vocabulary"]),
        .target(name: "EventCore", dependencies: ["CSQLite", "Vocabulary"]),
        .target(name: "Rules", dependencies: ["Vocabulary"]),
        // The staff API's wire types (requests, responses, roles) and the local socket client: what lookoutd serves
        // and `lookout` sends, the same objects whatever the transport.
        .target(name: "StaffAPI", dependencies: ["EventCore", "Vocabulary"]),
        .target(name: "Daemon", dependencies: ["MQTTClient", "EventCore", "Rules", "StaffAPI", "Vocabulary"]),
        // Tables, display width, colours and bars for terminals (the CLI), and its translations (gettext).
        .target(name: "TerminalText", dependencies: ["CIntl", "Vocabulary"]),
        // The simulator's traffic generator: device fleets, scenarios, payloads (lookout-sim and the bench).
        .target(name: "Simulation", dependencies: ["Rules", "Vocabulary"]),

        // Executables.
        .executableTarget(name: "lookoutd", dependencies: ["Daemon"]),
        .executableTarget(name: "lookout", dependencies: ["EventCore", "MQTTClient", "Rules", "StaffAPI", "TerminalText", "Vocabulary"]),
        .executableTarget(name: "lookout-sim", dependencies: ["Simulation", "MQTTClient", "Vocabulary"]),

        // Test support: starts a private mosquitto on a free loopback port, temp dirs, child processes.
        .target(name: "LookoutTestSupport", dependencies: ["Vocabulary"], path: "Tests/LookoutTestSupport"),

        // Tests, one target per library (CLITests drives the built executables).
        .testTarget(name: "VocabularyTests", dependencies: ["Vocabulary"]),
        .testTarget(name: "TerminalTextTests", dependencies: ["TerminalText", "Vocabulary"]),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation", "Rules", "Vocabulary"]),
        .testTarget(name: "MQTTClientTests", dependencies: ["MQTTClient", "LookoutTestSupport"]),
        .testTarget(name: "EventCoreTests", dependencies: ["EventCore", "LookoutTestSupport", "Vocabulary"]),
        .testTarget(name: "RulesTests", dependencies: ["Rules", "LookoutTestSupport", "Vocabulary"]),
        .testTarget(name: "DaemonTests", dependencies: ["Daemon", "MQTTClient", "EventCore", "Rules", "Vocabulary", "LookoutTestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["EventCore", "MQTTClient", "LookoutTestSupport", "StaffAPI", "TerminalText", "Vocabulary", "lookout", "lookoutd"]),

        // Benchmarks (`swift build -c release --product lookout-bench`); shares the traffic generator with lookout-sim.
        .executableTarget(name: "lookout-bench", dependencies: ["Rules", "Daemon", "EventCore", "MQTTClient", "Simulation", "StaffAPI", "Vocabulary"], path: "Benchmarks/lookout-bench"),
    ],
    swiftLanguageModes: [.v6]
)

// Reliability and security tests (issue 5): the real lookoutd binary against a real mosquitto and SQLite.
package.targets.append(
    .testTarget(name: "ReliabilityTests", dependencies: ["Daemon", "MQTTClient", "EventCore", "Rules", "Vocabulary", "LookoutTestSupport", "lookoutd"])
)
