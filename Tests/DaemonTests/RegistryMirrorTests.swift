@testable import Daemon
@testable import EventCore
import Foundation
import LookoutTestSupport
import Rules
import Synchronization
import Testing
import Vocabulary

/// Mirroring the registry into the devices table at start: skipped when the registry is unchanged, done
/// (and only where rows differ) when it changed. Real SQLite files, real pipelines.
@Suite struct RegistryMirrorTests {
    final class Fixture {
        let directory: TemporaryDirectory
        var configuration = DaemonConfiguration()
        var now: EpochMillis = 1_763_880_000_000

        init() throws {
            directory = try TemporaryDirectory(prefix: "registry-mirror-test")
            configuration.databasePath = directory.file("lookout.db")
        }

        /// Starts a pipeline (as lookoutd does) with `registry`, then closes it.
        func start(with registry: DeviceRegistry) throws {
            let store = try EventStore(path: configuration.databasePath, options: configuration.storeOptions)
            let log = Logger(level: .error, output: Logger.Output(journald: true) { _ in })
            _ = try IngestPipeline(configuration: configuration, store: store, ruleSet: RuleSet(), registry: registry,
                                   log: log, clock: { [unowned self] in self.now })
        }

        func store() throws -> EventStore { try EventStore(path: configuration.databasePath) }

        func devices() throws -> [String: DeviceState] {
            Dictionary(uniqueKeysWithValues: try store().devices().map { ($0.id, $0) })
        }

        /// Changes a mirrored row behind the daemon's back, to see whether the next start rewrites it.
        func tamper(_ id: String) throws {
            try store().connection.prepare("UPDATE devices SET address = 'tampered' WHERE id = ?").execute([id])
        }
    }

    static let first = DeviceRegistry([
        DeviceRecord(id: "SD-1", kind: "smoke", community: "c01", building: "1", address: "1号楼101室", reportIntervalSeconds: 3_600),
        DeviceRecord(id: "SD-2", kind: "smoke", community: "c01", building: "1", address: "1号楼102室", reportIntervalSeconds: 3_600),
        DeviceRecord(id: "DR-1", kind: "door", community: "c01", address: "1号楼 单元门"),
    ])

    @Test func anUnchangedRegistryIsNotMirroredAgain() throws {
        let fixture = try Fixture()
        try fixture.start(with: Self.first)
        #expect(try fixture.devices()["SD-1"]?.address == "1号楼101室")
        let fingerprint = try #require(try fixture.store().registryMirrorFingerprint())
        try fixture.tamper("SD-1")
        fixture.now += 60_000
        // The same devices, built in another order: same fingerprint, nothing written.
        try fixture.start(with: DeviceRegistry(Self.first.devices.values.sorted { $0.id > $1.id }))
        #expect(try fixture.devices()["SD-1"]?.address == "tampered")
        #expect(try fixture.store().registryMirrorFingerprint() == fingerprint)
        // A field the devices table does not hold does not count as a change either.
        var phone = Self.first.devices
        phone["SD-1"]?.residentPhone = "13900000001"
        try fixture.start(with: DeviceRegistry(Array(phone.values)))
        #expect(try fixture.devices()["SD-1"]?.address == "tampered")
    }

    @Test func aChangedRegistryIsMirroredWithRemovalsAndAdditions() throws {
        let fixture = try Fixture()
        try fixture.start(with: Self.first)
        try fixture.tamper("SD-1")
        try fixture.tamper("DR-1")
        var changed = Self.first.devices
        changed["SD-2"] = nil
        changed["SD-3"] = DeviceRecord(id: "SD-3", kind: "smoke", community: "c01", address: "2号楼201室")
        changed["DR-1"]?.grid = "grid-02"
        fixture.now += 60_000
        try fixture.start(with: DeviceRegistry(Array(changed.values)))
        let devices = try fixture.devices()
        // Every listed row holds the registry's values again, the tampered one included.
        #expect(devices["SD-1"]?.address == "1号楼101室")
        #expect(devices["SD-1"]?.registered == true)
        #expect(devices["DR-1"]?.address == "1号楼 单元门")
        #expect(devices["DR-1"]?.grid == "grid-02")
        #expect(devices["SD-3"]?.registered == true)
        #expect(devices["SD-2"]?.registered == false)
        #expect(devices["SD-2"]?.address == "1号楼102室")
        #expect(try fixture.store().registryMirrorFingerprint() == RegistryMirrorFingerprint.of(DeviceRegistry(Array(changed.values))))
        // A device put back is registered again.
        try fixture.start(with: Self.first)
        #expect(try fixture.devices()["SD-2"]?.registered == true)
    }

    @Test func aRegistryFileIsRecognisedByItsBytes() throws {
        let fixture = try Fixture()
        let csv = "id,kind,community,address\nSD-1,smoke,c01,1号楼101室\nSD-2,smoke,c01,1号楼102室\n"
        try fixture.start(with: try DeviceRegistry(csv: csv))
        try fixture.tamper("SD-1")
        try fixture.start(with: try DeviceRegistry(csv: csv))
        #expect(try fixture.devices()["SD-1"]?.address == "tampered")
        try fixture.start(with: try DeviceRegistry(csv: csv.replacingOccurrences(of: "102", with: "103")))
        #expect(try fixture.devices()["SD-1"]?.address == "1号楼101室")
        #expect(try fixture.devices()["SD-2"]?.address == "1号楼103室")
    }

    @Test func aMirrorWithoutFingerprintForgetsTheStoredOne() throws {
        let fixture = try Fixture()
        try fixture.start(with: Self.first)
        #expect(try fixture.store().registryMirrorFingerprint() != nil)
        try fixture.store().mirrorRegistry([DeviceState(id: "SD-9", kind: "smoke")], at: fixture.now)
        #expect(try fixture.store().registryMirrorFingerprint() == nil)
        #expect(try fixture.devices()["SD-1"]?.registered == false)
        // So the next start mirrors the registry again, although it is the same as before.
        try fixture.start(with: Self.first)
        #expect(try fixture.devices()["SD-1"]?.registered == true)
        #expect(try fixture.devices()["SD-9"]?.registered == false)
    }

    @Test func activityDoesNotReplaceTheRegistryKind() throws {
        let fixture = try Fixture()
        try fixture.start(with: Self.first)
        try fixture.store().recordDeviceActivity([
            DeviceActivity(deviceID: "SD-1", kind: "door", at: fixture.now),
            DeviceActivity(deviceID: "X-1", kind: "door", at: fixture.now),
        ])
        let devices = try fixture.devices()
        #expect(devices["SD-1"]?.kind == "smoke")
        #expect(devices["X-1"]?.kind == "door")
    }

    /// A registry of `count` smoke alarms in community `community`, ids `SD-000000`….
    static func smokeAlarms(_ count: Int, community: String) -> DeviceRegistry {
        DeviceRegistry((0..<count).map { index in
            DeviceRecord(id: "SD-" + String(index + 1_000_000).dropFirst(), kind: "smoke", community: community,
                         address: "\(index / 100)号楼\(index % 100)室", reportIntervalSeconds: 3_600)
        })
    }

    /// Runs `service` on a thread of its own until `body` returns, then stops it and waits for its end.
    static func whileRunning(_ service: RegistryMirrorService, _ body: () throws -> Void) throws {
        let ended = Atomic<Bool>(false)
        Thread.detachNewThread {
            try? service.run()
            ended.store(true, ordering: .sequentiallyConsistent)
        }
        defer {
            service.shutdown()
            while !ended.load(ordering: .sequentiallyConsistent) { Thread.sleep(forTimeInterval: 0.01) }
        }
        try body()
    }

    /// Waits (up to a minute) until `service` has completed `count` mirrors.
    static func waitForMirrors(_ service: RegistryMirrorService, _ count: Int) throws {
        let deadline = Date().addingTimeInterval(60)
        while service.completed.load(ordering: .sequentiallyConsistent) < count {
            guard Date() < deadline else { throw HarnessError("the registry mirror did not complete \(count) mirror(s)") }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    @Test func theMirrorServiceWritesALargeRegistryInSeveralTransactionsAndTheNewestRegistryWins() throws {
        let fixture = try Fixture()
        let log = Logger(level: .error, output: Logger.Output(journald: true) { _ in })
        let service = RegistryMirrorService(log: log) { [configuration = fixture.configuration] in
            try EventStore(path: configuration.databasePath, options: configuration.storeOptions)
        }
        let large = Self.smokeAlarms(RegistryMirrorService.rowsPerTransaction * 2 + 17, community: "c01")
        let store = try EventStore(path: fixture.configuration.databasePath, options: fixture.configuration.storeOptions)
        try Self.whileRunning(service) {
            // A pipeline of lookoutd leaves the registry to the service (its owner asks for it).
            _ = try IngestPipeline(configuration: fixture.configuration, store: store, ruleSet: RuleSet(), registry: large,
                                   log: log, clock: { fixture.now }, mirrorsRegistry: false)
            #expect(try fixture.store().registryMirrorFingerprint() == nil)
            service.request(large, at: fixture.now)
            try Self.waitForMirrors(service, 1)
            let devices = try fixture.devices()
            #expect(devices.count == large.count)
            #expect(devices.values.allSatisfy { $0.registered && $0.community == "c01" && $0.kind == "smoke" })
            #expect(try fixture.store().registryMirrorFingerprint() == RegistryMirrorFingerprint.of(large))

            // Two requests in a row: the second (fewer devices, another community) is what the table ends with.
            let changed = Self.smokeAlarms(RegistryMirrorService.rowsPerTransaction + 3, community: "c02")
            service.request(Self.smokeAlarms(10, community: "c03"), at: fixture.now)
            service.request(changed, at: fixture.now)
            try Self.waitForMirrors(service, 2)
            let after = try fixture.devices()
            #expect(after.count == large.count)
            #expect(after.values.filter(\.registered).count == changed.count)
            #expect(after.values.filter(\.registered).allSatisfy { $0.community == "c02" })
            #expect(try fixture.store().registryMirrorFingerprint() == RegistryMirrorFingerprint.of(changed))
        }
    }
}
