import LookoutTestSupport
import Testing
import Vocabulary
@testable import EventCore

/// Within a write transaction each timeline entry is chained to the one the transaction appended last without
/// reading the table again: a rolled-back step or another connection's entry must never be chained to.
@Suite struct TimelineAppendTests {
    static func keyedFixture() throws -> StoreFixture {
        var options = StoreOptions()
        options.timelineKey = Array("a key of at least sixteen bytes!".utf8)
        return try StoreFixture(options: options)
    }

    @Test func entriesOfOneBatchChainInOrder() throws {
        let fixture = try Self.keyedFixture()
        let store = fixture.store
        try store.batchTransaction {
            for index in 0..<5 { try store.raise(trigger("batch-\(index)", at: t0 + Int64(index))) }
            _ = try store.clear(eventKey: "batch-2", at: t0 + 10, note: "cleared by device SD-0113")
        }
        try store.batchTransaction { try store.raise(trigger("next", at: t0 + 20)) }
        let verification = try store.verifyTimeline()
        #expect(verification.isIntact && verification.entries == 7)
        #expect(try store.timelineHead().map(\.entryID) == 7)
    }

    @Test func aRolledBackStepIsNotChainedTo() throws {
        struct StepFailure: Error {}
        let fixture = try Self.keyedFixture()
        let store = fixture.store
        try store.transaction {
            try store.raise(trigger("kept", at: t0))
            _ = try? store.transaction {
                try store.raise(trigger("rolled-back", at: t0 + 1))
                throw StepFailure()
            }
            try store.raise(trigger("after", at: t0 + 2))
        }
        // A whole transaction rolled back after appending.
        _ = try? store.transaction {
            try store.raise(trigger("lost", at: t0 + 3))
            throw StepFailure()
        }
        try store.raise(trigger("last", at: t0 + 4))
        let verification = try store.verifyTimeline()
        #expect(verification.isIntact && verification.entries == 3)
    }

    @Test func anotherConnectionsEntryIsChainedTo() throws {
        let fixture = try Self.keyedFixture()
        var options = StoreOptions()
        options.timelineKey = Array("a key of at least sixteen bytes!".utf8)
        let daemon = fixture.store
        let other = try EventStore(path: fixture.path, options: options)
        try daemon.batchTransaction { try daemon.raise(trigger("first", at: t0)) }
        try other.raise(trigger("from-the-other", at: t0 + 1))
        try daemon.batchTransaction {
            try daemon.raise(trigger("second", at: t0 + 2))
            try daemon.raise(trigger("third", at: t0 + 3))
        }
        let verification = try daemon.verifyTimeline()
        #expect(verification.isIntact && verification.entries == 4)
    }
}
