import EventCore
import Foundation
import LookoutTestSupport
import Vocabulary

/// A temporary event database made through `EventStore`, and a way to run the built `lookout` on it; with
/// `startDaemon`, the real `lookoutd` on the same database serves the staff API through which `lookout` acts.
final class CLIFixture {
    let directory: TemporaryDirectory
    let databasePath: String
    let store: EventStore
    /// lookoutd on this database, once started (no broker: the API does not need one).
    private(set) var daemon: LookoutdProcess?
    /// "Now" for raised events: the real clock, so ages and deadlines printed by the CLI make sense.
    let now: EpochMillis

    init() throws {
        directory = try TemporaryDirectory(prefix: "lookout-cli")
        databasePath = directory.file("events.db")
        store = try EventStore(path: databasePath)
        now = EpochMillis(Date().timeIntervalSince1970 * 1000)
    }

    /// The API socket `lookout` is pointed at: the daemon's, or one in the test directory that nobody serves.
    var socketPath: String { daemon?.socketPath ?? directory.file("api.sock") }

    /// Starts lookoutd on this database with the staff directory `staff` (default: the test runner is an admin) and
    /// waits until it serves its API socket. `settings`: more lines of its configuration; `registry`: its devices.csv.
    @discardableResult
    func startDaemon(staff: String = LookoutdProcess.runnerIsAdmin, settings: [String: [String: String]] = [:],
                     registry: String? = nil) throws -> LookoutdProcess {
        let daemon = try LookoutdProcess(brokerPort: try FreePort.find(), rules: .shipped, registry: registry,
                                         dataDirectory: directory.path, staff: staff, settings: settings)
        try daemon.startServing()
        self.daemon = daemon
        return daemon
    }

    /// Runs `lookout ARGS` on this fixture's socket with colours off by default; as `uid` (with `setpriv`) when given.
    func run(_ arguments: [String], environment: [String: String] = [:], asUser uid: Int? = nil) throws -> ChildProcess.Result {
        var env = ["LOOKOUT_SOCKET": socketPath, "COLUMNS": "200"]
        for (key, value) in environment { env[key] = value }
        return try LookoutdProcess.runCLI(arguments, environment: env, asUser: uid)
    }

    /// Raises an event at `minutesAgo` and returns it.
    @discardableResult
    func raise(_ device: String, level: AlertLevel, kind: String = "smoke", title: String? = nil,
               minutesAgo: Int64 = 1, address: String = "3号楼2单元502", teams: [String] = []) throws -> EventRecord {
        let trigger = EventTrigger(
            rule: "\(kind)_alarm", eventKey: "\(kind)_alarm:\(device)", level: level, kind: kind, deviceID: device,
            location: EventLocation(community: "c01", building: "3", unit: "2", address: address, registered: true),
            title: title ?? "\(kind) alarm at \(device)", teams: teams,
            topic: "c01/\(kind)/\(device)/event", payload: #"{"event":"\#(kind)","state":"alarm"}"#,
            at: now - minutesAgo * 60_000)
        return try store.raise(trigger).event
    }

    /// Waits (up to 10 s) until lookoutd has written `device` of its registry into the devices table, which it does
    /// from a thread of its own after it starts serving.
    func waitUntilMirrored(_ device: String) throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if try store.devices().contains(where: { $0.id == device && $0.registered }) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw CLIFixtureError.notMirrored(device)
    }
}

/// Why a fixture could not get ready.
enum CLIFixtureError: Error {
    /// The daemon did not mirror this registry device in time.
    case notMirrored(String)
}
