import EventCore
import LookoutTestSupport
import Vocabulary

/// A store in a fresh temporary directory, and triggers for tests.
struct StoreFixture {
    /// Keeps the directory alive as long as the fixture.
    let directory: TemporaryDirectory
    /// Database path.
    let path: String
    /// The store.
    let store: EventStore

    /// A new, empty store.
    init(options: StoreOptions = StoreOptions()) throws {
        directory = try TemporaryDirectory(prefix: "eventcore")
        path = directory.file("lookout.db")
        store = try EventStore(path: path, options: options)
    }

    /// Another store on the same file (the CLI next to the daemon).
    func reopen(readOnly: Bool = false) throws -> EventStore {
        try EventStore(path: path, readOnly: readOnly)
    }
}

/// Base time of the tests: 2025-11-23 04:00 UTC.
let t0: EpochMillis = 1_763_870_400_000

/// A trigger for device `device` in community c01, building 3.
func trigger(_ key: String = "smoke:SD-0113", level: AlertLevel = .red, escalateTo: AlertLevel? = nil,
             device: String = "SD-0113", community: String = "c01", building: String = "3",
             ack: Int64? = nil, onsite: Int64? = nil, at: EpochMillis = t0) -> EventTrigger {
    EventTrigger(rule: "smoke", eventKey: key, level: level, escalateTo: escalateTo, kind: "smoke", deviceID: device,
                 location: EventLocation(community: community, building: building, address: "Building \(building)",
                                         registered: true),
                 title: "Smoke alarm", teams: ["grid-1"], ackWithinSeconds: ack, onsiteWithinSeconds: onsite,
                 topic: "\(community)/smoke/\(device)/event", payload: #"{"event":"smoke","state":"alarm"}"#, at: at)
}
