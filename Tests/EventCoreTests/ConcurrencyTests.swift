import Dispatch
import EventCore
import Synchronization
import Testing
import Vocabulary

@Suite struct ConcurrencyTests {
    @Test func daemonAndCLIOnTheSameFile() throws {
        let fixture = try StoreFixture()
        let daemon = fixture.store
        let cli = try fixture.reopen()
        #expect(try cli.hasChanged())
        #expect(try cli.hasChanged() == false)
        let id = try daemon.raise(trigger()).event.id
        #expect(try cli.hasChanged())
        try cli.perform(.acknowledge, on: id, actor: "wang", note: "", at: t0 + 1000)
        // The daemon's next repeat folds into the event the CLI acknowledged.
        let repeated = try daemon.raise(trigger(at: t0 + 2000))
        #expect(repeated.created == false)
        #expect(repeated.event.status == .acknowledged)
        #expect(repeated.event.count == 2)
        #expect(try cli.changes(after: 0, limit: 10).map(\.action) == ["raised", "acknowledged"])
        // Once the CLI resolves it, the daemon's next trigger opens a new event.
        try cli.perform(.resolve, on: id, actor: "wang", note: "", at: t0 + 3000)
        let next = try daemon.raise(trigger(at: t0 + 4000))
        #expect(next.created)
        #expect(next.event.id != id)
        #expect(try cli.event(id: id)?.count == 2)
    }

    @Test func parallelWritersKeepOneEventAndAnExactCount() throws {
        let fixture = try StoreFixture()
        let path = fixture.path
        let writers = 3
        let raisesPerWriter = 200
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: writers) { writer in
            do {
                let store = try EventStore(path: path)
                for index in 0..<raisesPerWriter {
                    if index % 20 == 0 {
                        // A batch, as the daemon writes them.
                        try store.transaction {
                            for offset in 0..<5 { try store.raise(trigger("shared", at: t0 + EpochMillis(index + offset))) }
                        }
                    } else {
                        try store.raise(trigger("shared", at: t0 + EpochMillis(index)))
                    }
                    try store.raise(trigger("writer-\(writer)", at: t0 + EpochMillis(index)))
                }
            } catch {
                failures.withLock { $0.append("writer \(writer): \(error)") }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        var all = EventFilter()
        all.includeAll = true
        let events = try fixture.store.events(all)
        #expect(events.count == writers + 1)
        let shared = try #require(events.first { $0.eventKey == "shared" })
        #expect(shared.count == writers * (raisesPerWriter + 4 * raisesPerWriter / 20))
        for writer in 0..<writers {
            #expect(events.first { $0.eventKey == "writer-\(writer)" }?.count == raisesPerWriter)
        }
    }
}
