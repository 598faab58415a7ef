import Foundation
import LookoutTestSupport
import Testing
@testable import EventCore
import Vocabulary

/// The registry's optional coordinates (their schema migration): kept with an event's location, in the devices mirror,
/// and a database of the version before gets them by mirroring the registry again.
@Suite struct CoordinatesTests {
    @Test func anEventKeepsItsDevicesCoordinates() throws {
        let fixture = try StoreFixture()
        var located = trigger("smoke:SD-1", device: "SD-1")
        located.location.latitude = 31.2304
        located.location.longitude = -121.5
        let event = try fixture.store.raise(located).event
        let plain = try fixture.store.raise(trigger("smoke:SD-2", device: "SD-2")).event
        let reader = try fixture.reopen(readOnly: true)
        let read = try #require(try reader.event(id: event.id))
        #expect(read.location.latitude == 31.2304 && read.location.longitude == -121.5)
        #expect(read == event)
        let readPlain = try #require(try reader.event(id: plain.id))
        #expect(readPlain.location.latitude == nil && readPlain.location.longitude == nil)
        // The change feed's snapshot carries them too.
        let snapshot = String(decoding: event.snapshotJSONBytes, as: UTF8.self)
        #expect(snapshot.contains(#""latitude":31.2304,"longitude":-121.5,"owner""#), "\(snapshot)")
        #expect(!String(decoding: plain.snapshotJSONBytes, as: UTF8.self).contains("latitude"))
    }

    @Test func theDevicesMirrorKeepsCoordinates() throws {
        let fixture = try StoreFixture()
        try fixture.store.mirrorRegistry([DeviceState(id: "SD-1", kind: "smoke", latitude: 31.2, longitude: 121.4),
                                          DeviceState(id: "SD-2", kind: "smoke")], at: t0)
        var devices = Dictionary(uniqueKeysWithValues: try fixture.store.devices().map { ($0.id, $0) })
        #expect(devices["SD-1"]?.latitude == 31.2 && devices["SD-1"]?.longitude == 121.4)
        #expect(devices["SD-2"]?.latitude == nil && devices["SD-2"]?.longitude == nil)
        // A moved device is written again (the mirror skips only rows that hold the listed values).
        try fixture.store.mirrorRegistry([DeviceState(id: "SD-1", kind: "smoke", latitude: 31.3, longitude: 121.4),
                                          DeviceState(id: "SD-2", kind: "smoke")], at: t0 + 1000)
        devices = Dictionary(uniqueKeysWithValues: try fixture.store.devices().map { ($0.id, $0) })
        #expect(devices["SD-1"]?.latitude == 31.3)
    }

    /// A database of the version before the coordinates mirrored the registry without them under the file's
    /// fingerprint: the upgrade forgets the fingerprint, so the daemon mirrors the same file again, coordinates and all.
    @Test func theUpgradeForgetsTheRegistryFingerprint() throws {
        let directory = try TemporaryDirectory(prefix: "eventcore")
        let path = directory.file("lookout.db")
        let coordinates = try #require(EventSchema.migrations.first { $0.sql.contains("devices ADD COLUMN latitude") }).version
        let before = SchemaMigrator(migrations: EventSchema.migrations.filter { $0.version < coordinates })
        do {
            let old = try EventStore(path: path, options: StoreOptions(), readOnly: false, migrator: before)
            try old.connection.execute("""
                INSERT INTO mirror_fingerprints (name, fingerprint, updated_at) VALUES ('registry', 'csv1:10:abc', 1)
                """)
            #expect(try old.registryMirrorFingerprint() == "csv1:10:abc")
        }
        let store = try EventStore(path: path)
        #expect(try SchemaMigrator.storedVersion(store.connection) == EventSchema.currentVersion)
        #expect(try store.registryMirrorFingerprint() == nil)
        try store.mirrorRegistry([DeviceState(id: "SD-1", latitude: 1.5, longitude: 2.5)], at: t0)
        #expect(try store.devices().first?.latitude == 1.5)
    }
}
