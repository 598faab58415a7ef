import Foundation
import LookoutTestSupport
import Testing
@testable import EventCore
import Vocabulary

@Suite struct OperationsTests {
    @Test func rejectsKeepABoundedSampleAndExactCounters() throws {
        var options = StoreOptions()
        options.rejectSamplesPerReason = 3
        options.rejectPayloadExcerptBytes = 8
        let fixture = try StoreFixture(options: options)
        let store = fixture.store
        let batch = (0..<10).map { index in
            RejectedMessage(at: t0 + EpochMillis(index), reason: index % 2 == 0 ? "bad_json" : "unknown_device",
                            topic: "c01/smoke/SD-\(index)/event", payload: Array("{\"broken\u{0}\(index)".utf8) + [0xff, 0xfe])
        }
        try store.recordRejects(batch)
        try store.recordRejects([RejectedMessage(at: t0 + 100, reason: "bad_json", topic: "t", payload: [0xc3])])
        let counts = try store.rejectCounts()
        #expect(counts.map(\.reason) == ["bad_json", "unknown_device"])
        #expect(counts.map(\.count) == [6, 5])
        #expect(counts.first?.lastAt == t0 + 100)
        let samples = try store.recentRejects(reason: "bad_json", limit: 10)
        #expect(samples.map(\.at) == [t0 + 100, t0 + 8, t0 + 6])
        #expect(samples.allSatisfy { $0.payloadExcerpt.utf8.count <= 8 * 3 })
        #expect(try store.recentRejects(limit: 100).count == 6)
    }

    @Test func daemonStatusIsReplacedAsAWhole() throws {
        let fixture = try StoreFixture()
        #expect(try fixture.store.daemonStatus().updatedAt == nil)
        try fixture.store.writeDaemonStatus(["pid": "42", "mqtt": "connected"], at: t0)
        try fixture.store.writeDaemonStatus(["pid": "42", "messages_per_s": "1200"], at: t0 + 5000)
        let status = try fixture.reopen(readOnly: true).daemonStatus()
        #expect(status.values == ["pid": "42", "messages_per_s": "1200"])
        #expect(status.updatedAt == t0 + 5000)
    }

    @Test func devicesMirrorTheRegistryAndActivity() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        try store.mirrorRegistry([
            DeviceState(id: "SD-1", kind: "smoke", community: "c01", building: "3", reportIntervalSeconds: 86_400),
            DeviceState(id: "MH-1", kind: "manhole", community: "c01"),
        ], at: t0)
        try store.recordDeviceActivity([
            DeviceActivity(deviceID: "SD-1", at: t0 + 1000, batteryPercent: 87),
            DeviceActivity(deviceID: "SD-1", at: t0 + 500, online: true),
            DeviceActivity(deviceID: "XX-9", kind: "door", at: t0 + 2000, online: false),
        ])
        try store.mirrorRegistry([
            DeviceState(id: "SD-1", kind: "smoke", community: "c01", building: "4", reportIntervalSeconds: 86_400),
        ], at: t0 + 3000)
        let devices = Dictionary(uniqueKeysWithValues: try store.devices().map { ($0.id, $0) })
        let smoke = try #require(devices["SD-1"])
        #expect(smoke.building == "4")
        #expect(smoke.lastSeen == t0 + 1000)
        #expect(smoke.online == true)
        #expect(smoke.batteryPercent == 87)
        #expect(smoke.registered)
        #expect(devices["MH-1"]?.registered == false)
        #expect(devices["MH-1"]?.lastSeen == nil)
        #expect(devices["XX-9"]?.kind == "door")
        #expect(devices["XX-9"]?.online == false)
        #expect(devices["XX-9"]?.registered == false)
        // Registered devices come first: a flood of spoofed ids ("AA-…" sorts before "SD-1") must not bury them.
        try store.recordDeviceActivity([DeviceActivity(deviceID: "AA-spoof", kind: "door", at: t0 + 4000)])
        let order = try store.devices().map(\.id)
        #expect(order.first == "SD-1", "\(order)")
        #expect(Set(order.dropFirst()) == ["AA-spoof", "MH-1", "XX-9"], "\(order)")
    }

    @Test func awayNotes() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let note = try store.addAwayNote(subject: "Zhang Wei", until: t0 + 86_400_000, reason: "hospital", actor: "li", at: t0)
        #expect(try store.isAway(subject: "Zhang Wei", at: t0 + 1000))
        #expect(try store.isAway(subject: "Zhang Wei", at: t0 + 86_400_000) == false)
        #expect(try store.isAway(subject: "Li Na", at: t0) == false)
        #expect(try store.listAwayNotes(now: t0).map(\.reason) == ["hospital"])
        #expect(try store.removeAwayNote(id: note.id, at: t0 + 2000))
        #expect(try store.isAway(subject: "Zhang Wei", at: t0 + 3000) == false)
        #expect(try store.listAwayNotes(now: t0).isEmpty)
    }

    @Test func messageFingerprints() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        try store.rememberMessages([1, UInt64.max, 0x8000_0000_0000_0000], at: t0)
        try store.rememberMessages([2], at: t0 + 10_000)
        #expect(try store.recentMessageFingerprints(since: t0) == [1, UInt64.max, 0x8000_0000_0000_0000, 2])
        #expect(try store.recentMessageFingerprints(since: t0 + 1) == [2])
        #expect(try store.pruneMessageFingerprints(before: t0 + 1) == 3)
        #expect(try store.recentMessageFingerprints(since: 0) == [2])
        // One row per batch, however many messages it had.
        #expect(try store.connection.integer("SELECT count(*) FROM message_batches") == 1)
    }

    @Test func newestBatchesSurvivePruningHoweverOld() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        try store.rememberMessages([1, 2], at: t0)
        try store.rememberMessages([3], at: t0 + 1)
        try store.rememberMessages([4, 5, 6], at: t0 + 2)
        #expect(try store.pruneMessageFingerprints(before: t0 + 100, keepingLatestBatches: 2) == 2)
        #expect(try store.recentMessageFingerprints(since: 0) == [3, 4, 5, 6])
        #expect(try store.pruneMessageFingerprints(before: t0 + 100, keepingLatestBatches: 2) == 0)
    }

    @Test func fingerprintRowsOfVersion1AreStillRecognisedAndPruned() throws {
        let directory = try TemporaryDirectory(prefix: "eventcore")
        let path = directory.file("lookout.db")
        let version1 = try EventStore(path: path, options: StoreOptions(), readOnly: false,
                                      migrator: SchemaMigrator(migrations: [EventSchema.migrations[0]]))
        try version1.connection.execute("INSERT INTO message_fingerprints (fingerprint, at) VALUES (-1, \(t0)), (7, \(t0 + 5))")
        let store = try EventStore(path: path)
        #expect(try SchemaMigrator.storedVersion(store.connection) == EventSchema.currentVersion)
        try store.rememberMessages([8], at: t0 + 5)
        #expect(try store.recentMessageFingerprints(since: 0) == [UInt64.max, 7, 8])
        #expect(try store.pruneMessageFingerprints(before: t0 + 1) == 1)
        #expect(try store.recentMessageFingerprints(since: 0) == [7, 8])
    }
}
