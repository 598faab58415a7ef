import EventCore
import Foundation
import LookoutTestSupport

/// A temporary event database made through `EventStore`, and a way to run the built `lookout` on it.
final class CLIFixture {
    let directory: TemporaryDirectory
    let databasePath: String
    let store: EventStore
    /// "Now" for raised events: the real clock, so ages and deadlines printed by the CLI make sense.
    let now: Millis

    init() throws {
        directory = try TemporaryDirectory(prefix: "lookout-cli")
        databasePath = directory.file("events.db")
        store = try EventStore(path: databasePath)
        now = Millis(Date().timeIntervalSince1970 * 1000)
    }

    /// Runs `lookout --db <this database> ARGS` with colours off by default.
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> ChildProcess.Result {
        var env = ["NO_COLOR": "", "CLICOLOR_FORCE": "", "LOOKOUT_DB": databasePath, "COLUMNS": "200"]
        for (key, value) in environment { env[key] = value }
        return try ChildProcess.run(ChildProcess.product("lookout"), arguments, environment: env)
    }

    /// Raises an event at `minutesAgo` and returns it.
    @discardableResult
    func raise(_ device: String, level: EventLevel, kind: String = "smoke", title: String? = nil,
               minutesAgo: Int64 = 1, address: String = "3号楼2单元502", teams: [String] = []) throws -> EventRecord {
        let trigger = EventTrigger(
            rule: "\(kind)_alarm", eventKey: "\(kind)_alarm:\(device)", level: level, kind: kind, deviceID: device,
            location: EventLocation(community: "c01", building: "3", unit: "2", address: address, registered: true),
            title: title ?? "\(kind) alarm at \(device)", teams: teams,
            topic: "c01/\(kind)/\(device)/event", payload: #"{"event":"\#(kind)","state":"alarm"}"#,
            at: now - minutesAgo * 60_000)
        return try store.raise(trigger).event
    }
}
