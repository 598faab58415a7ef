import LookoutTestSupport
@testable import EventCore
import Foundation
import Testing
import Vocabulary

/// Rule state is logged per batch and folded later: what `loadRuleState` returns must not depend on when (or
/// whether) the log was folded, and a fold must leave one row per key.
@Suite struct RuleStateLogTests {
    /// A random sequence of batches of changes over a few keys, with the expected final state.
    static func randomBatches(seed: UInt64, batches: Int) -> (batches: [[(key: String, value: [UInt8]?)]], expected: [String: [UInt8]]) {
        var generator = SeededRandom(seed: seed)
        var expected: [String: [UInt8]] = [:]
        var all: [[(key: String, value: [UInt8]?)]] = []
        for _ in 0..<batches {
            var batch: [(key: String, value: [UInt8]?)] = []
            for _ in 0..<Int.random(in: 1...20, using: &generator) {
                let key = "rule\(Int.random(in: 0..<3, using: &generator))/dev-\(Int.random(in: 0..<15, using: &generator))-é"
                if Int.random(in: 0..<5, using: &generator) == 0 {
                    batch.append((key, nil))
                    expected[key] = nil
                } else {
                    let value = (0..<Int.random(in: 0..<300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                    batch.append((key, value))
                    expected[key] = value
                }
            }
            all.append(batch)
        }
        return (all, expected)
    }

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func loadIsTheSameWhetherOrNotTheLogWasFolded(seed: UInt64) throws {
        let fixture = try StoreFixture()
        let (batches, expected) = Self.randomBatches(seed: seed, batches: 40)
        for (index, batch) in batches.enumerated() {
            try fixture.store.saveRuleState(batch)
            if index % 13 == 12 { try fixture.store.compactRuleState() }
        }
        let beforeFold = try fixture.store.loadRuleState()
        #expect(Dictionary(uniqueKeysWithValues: beforeFold.map { ($0.key, $0.value) }) == expected)
        #expect(beforeFold.map(\.key) == beforeFold.map(\.key).sorted())
        #expect(try fixture.store.ruleStateLogBytes() > 0)

        let folded = try fixture.store.compactRuleState()
        #expect(folded > 0)
        #expect(try fixture.store.ruleStateLogBytes() == 0)
        let afterFold = try fixture.store.loadRuleState()
        #expect(afterFold.map(\.key) == beforeFold.map(\.key))
        #expect(afterFold.map(\.value) == beforeFold.map(\.value))
        // A second store on the file (lookoutd after a restart) sees the same.
        let reopened = try fixture.reopen()
        #expect(try reopened.loadRuleState().map(\.value) == beforeFold.map(\.value))
        #expect(try fixture.store.compactRuleState() == 0)
    }

    @Test func aFoldInsideAFailedTransactionLeavesTheLog() throws {
        let fixture = try StoreFixture()
        try fixture.store.saveRuleState([(key: "r/a", value: [1]), (key: "r/b", value: [2])])
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try fixture.store.transaction {
                try fixture.store.compactRuleState()
                throw Abort()
            }
        }
        #expect(try fixture.store.ruleStateLogBytes() > 0)
        #expect(try fixture.store.loadRuleState().map(\.key) == ["r/a", "r/b"])
    }

    @Test func stateSavedInARolledBackBatchIsNotLoaded() throws {
        let fixture = try StoreFixture()
        try fixture.store.saveRuleState([(key: "r/a", value: [1])])
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try fixture.store.transaction {
                try fixture.store.saveRuleState([(key: "r/a", value: nil), (key: "r/c", value: [3])])
                throw Abort()
            }
        }
        #expect(try fixture.store.loadRuleState().map(\.key) == ["r/a"])
    }
}

/// The change feed's hand-written snapshot JSON must decode to the same record as `JSONEncoder`'s did.
@Suite struct SnapshotJSONTests {
    static let awkward = ["", "plain", "quote \" and \\ backslash", "line\nbreak\ttab\r", "\u{0}\u{1}\u{1F}\u{7F}",
                          "слова 中文 😀", "/slash/", "\u{2028}\u{2029}", "a\u{301}"]

    /// A coordinate as registries give them: none, whole, a few decimals, tiny, at the limits, any double within.
    static func coordinate(_ round: Int, _ generator: inout SeededRandom, limit: Double) -> Double? {
        switch round % 8 {
        case 0: nil
        case 1: Double(Int.random(in: -Int(limit)...Int(limit), using: &generator))
        case 2: (Double.random(in: -limit...limit, using: &generator) * 10_000).rounded() / 10_000
        case 3: 0.000_01
        case 4: -limit
        case 5: -0.0
        case 6: 123_456.789e-3
        default: Double.random(in: -limit...limit, using: &generator)
        }
    }

    @Test func snapshotsDecodeToTheSameRecord() throws {
        var generator = SeededRandom(seed: 7)
        for round in 0..<200 {
            func text() -> String { Self.awkward[Int.random(in: 0..<Self.awkward.count, using: &generator)] + String(round) }
            let record = EventRecord(
                id: text(), rule: text(), eventKey: text(), level: .red, initialLevel: .yellow,
                escalateTo: round % 2 == 0 ? nil : .red, status: EventStatus.allCases[round % EventStatus.allCases.count],
                kind: text(), deviceID: text(), group: text(),
                location: EventLocation(community: text(), building: text(), unit: text(), address: text(), grid: text(),
                                        owner: text(), residentName: text(), residentPhone: text(),
                                        emergencyContact: text(), latitude: Self.coordinate(round, &generator, limit: 90),
                                        longitude: Self.coordinate(round + 1, &generator, limit: 180), registered: round % 3 == 0),
                title: text(), description: text(), teams: (0..<(round % 4)).map { _ in text() }, assignee: text(),
                topic: text(), payload: text(), firstSeen: Int64.random(in: .min ... .max, using: &generator),
                lastSeen: -5, count: round, ackDeadline: round % 5 == 0 ? nil : Int64(round) * 1000,
                onsiteDeadline: round % 7 == 0 ? nil : .max, overdue: round % 2 == 1, silenced: round % 3 == 1,
                updatedAt: 0)
            let decoded = try JSONDecoder().decode(EventRecord.self, from: Data(record.snapshotJSON.utf8))
            #expect(decoded == record)
            let sortedKeys = JSONEncoder()
            sortedKeys.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            if !record.snapshotJSON.unicodeScalars.contains(where: { $0.value < 0x20 }) {
                #expect(record.snapshotJSON == String(decoding: try sortedKeys.encode(record), as: UTF8.self))
            }
        }
    }
}

/// lookoutd checkpoints from a second connection while the first one writes.
@Suite struct CheckpointTests {
    @Test func aPassiveCheckpointFromAnotherConnectionCopiesTheLog() throws {
        var options = StoreOptions()
        options.walAutoCheckpointPages = 0
        let fixture = try StoreFixture(options: options)
        for n in 0..<50 { try fixture.store.raise(trigger("key-\(n)", at: t0 + EpochMillis(n))) }
        let checkpointer = try fixture.reopen()
        let result = try checkpointer.checkpointPassively()
        #expect(result.logFrames > 0)
        #expect(result.copiedFrames == result.logFrames)
        // The copied pages are in the database file now.
        let size = try #require(try FileManager.default.attributesOfItem(atPath: fixture.path)[.size] as? Int)
        #expect(size > 4096)
        #expect(try checkpointer.events(EventFilter()).count == 50)
    }
}
