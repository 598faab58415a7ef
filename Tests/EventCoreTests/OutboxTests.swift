import EventCore
import Foundation
import Testing

@Suite struct OutboxTests {
    struct Abort: Error {}

    @Test func everyChangeIsInTheOutboxUntilSent() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let id = try store.raise(trigger()).event.id
        try store.perform(.acknowledge, on: id, actor: "wang", note: "", at: t0 + 1000)
        let pending = try store.pendingOutbox(limit: 10)
        #expect(pending.map(\.change.action) == ["raised", "acknowledged"])
        #expect(pending.map(\.change.event.status) == [.open, .acknowledged])
        let decoded = try JSONDecoder().decode(EventRecord.self, from: Data(pending[1].json.utf8))
        #expect(decoded == pending[1].change.event)
        try store.markOutboxSent(ids: [pending[0].id])
        #expect(try store.pendingOutbox(limit: 10).map(\.id) == [pending[1].id])
        try store.markOutboxSent(ids: [pending[1].id])
        #expect(try store.pendingOutbox(limit: 10).isEmpty)
        #expect(try store.changes(after: 0, limit: 10).count == 2)
    }

    @Test func pruningKeepsChangesStillInTheOutbox() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let id = try store.raise(trigger()).event.id
        try store.markOutboxSent(ids: try store.pendingOutbox(limit: 10).map(\.id))
        try store.perform(.acknowledge, on: id, actor: "wang", note: "", at: t0 + 1000)
        #expect(try store.pruneChanges(before: t0 + 5000) == 1)
        #expect(try store.changes(after: 0, limit: 10).map(\.action) == ["acknowledged"])
        #expect(try store.pendingOutbox(limit: 10).map(\.change.action) == ["acknowledged"])
        #expect(try store.timeline(of: id).count == 2)
    }

    @Test func rolledBackTransactionLeavesNoOutboxRow() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        #expect(throws: Abort.self) {
            try store.transaction {
                try store.raise(trigger("a"))
                try store.raise(trigger("b"))
                #expect(try store.outboxCount() == 2)
                throw Abort()
            }
        }
        #expect(try store.outboxCount() == 0)
        #expect(try store.latestChangeSequence() == 0)
        var all = EventFilter()
        all.includeAll = true
        #expect(try store.events(all).isEmpty)
    }

    @Test func failedStepInsideBatchRollsBackOnlyItself() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        try store.transaction {
            try store.raise(trigger("a"))
            #expect(throws: Abort.self) {
                try store.transaction {
                    try store.raise(trigger("b"))
                    throw Abort()
                }
            }
            try store.raise(trigger("c"))
        }
        #expect(try store.events(EventFilter()).map(\.eventKey).sorted() == ["a", "c"])
        #expect(try store.outboxCount() == 2)
    }
}
