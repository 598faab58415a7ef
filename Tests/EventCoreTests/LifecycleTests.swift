import EventCore
import Testing

/// Every status crossed with every action: allowed ones reach the expected status and record the change,
/// refused ones throw `invalidTransition` and change nothing.
@Suite struct LifecycleTests {
    /// The expected transition table, written out independently of the implementation.
    static let allowed: [EventStatus: [String: EventStatus]] = [
        .open: ["acknowledge": .acknowledged, "dispatch": .dispatched, "onsite": .onsite, "resolve": .resolved, "note": .open],
        .acknowledged: ["dispatch": .dispatched, "onsite": .onsite, "resolve": .resolved, "note": .acknowledged],
        .dispatched: ["dispatch": .dispatched, "onsite": .onsite, "resolve": .resolved, "note": .dispatched],
        .onsite: ["resolve": .resolved, "note": .onsite],
        .resolved: ["close": .closed, "reopen": .open, "note": .resolved],
        .closed: ["reopen": .open, "note": .closed],
        .cleared: ["resolve": .resolved, "close": .closed, "reopen": .open, "note": .cleared],
        .merged: ["note": .merged],
    ]

    /// Every staff action with a name for the table.
    static let actions: [(name: String, action: EventAction)] = [
        ("acknowledge", .acknowledge), ("dispatch", .dispatch(to: "team-b")), ("onsite", .onsite),
        ("resolve", .resolve), ("close", .close), ("reopen", .reopen), ("note", .note),
    ]

    /// Brings a fresh event into `status`; returns its id.
    static func event(in status: EventStatus, store: EventStore) throws -> String {
        let id = try store.raise(trigger("key-\(status.rawValue)")).event.id
        let steps: [EventAction]
        switch status {
        case .open, .cleared, .merged: steps = []
        case .acknowledged: steps = [.acknowledge]
        case .dispatched: steps = [.dispatch(to: "team-a")]
        case .onsite: steps = [.onsite]
        case .resolved: steps = [.resolve]
        case .closed: steps = [.resolve, .close]
        }
        for step in steps { try store.perform(step, on: id, actor: "setup", note: "", at: t0 + 1) }
        if status == .cleared { try store.clear(eventKey: "key-cleared", at: t0 + 1, note: "") }
        if status == .merged {
            let target = try store.raise(trigger("merge-target")).event.id
            try store.merge(id, into: target, actor: "setup", note: "", at: t0 + 1)
        }
        return id
    }

    @Test(arguments: EventStatus.allCases)
    func everyActionFrom(_ status: EventStatus) throws {
        for (name, action) in Self.actions {
            let fixture = try StoreFixture()
            let store = fixture.store
            let id = try Self.event(in: status, store: store)
            #expect(try store.event(id: id)?.status == status)
            let timelineBefore = try store.timeline(of: id).count
            let sequenceBefore = try store.latestChangeSequence()
            let outboxBefore = try store.outboxCount()
            if let expected = Self.allowed[status]?[name] {
                let after = try store.perform(action, on: id, actor: "wang", note: "n", at: t0 + 10)
                #expect(after.status == expected, "\(status) + \(name)")
                #expect(try store.timeline(of: id).count == timelineBefore + 1)
                let change = try #require(try store.changes(after: sequenceBefore, limit: 10).first)
                #expect(change.event.status == expected)
                #expect(try store.outboxCount() == outboxBefore + 1)
            } else {
                #expect(throws: EventStoreError.invalidTransition(id: id, from: status, action: action.verb),
                        "\(status) + \(name)") {
                    try store.perform(action, on: id, actor: "wang", note: "n", at: t0 + 10)
                }
                #expect(try store.event(id: id)?.status == status)
                #expect(try store.timeline(of: id).count == timelineBefore)
                #expect(try store.latestChangeSequence() == sequenceBefore)
            }
        }
    }

    @Test(arguments: EventStatus.allCases)
    func deviceClearFrom(_ status: EventStatus) throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let id = try Self.event(in: status, store: store)
        let cleared = try store.clear(eventKey: "key-\(status.rawValue)", at: t0 + 10, note: "normal")
        if status.isActive {
            #expect(cleared?.id == id)
            #expect(cleared?.status == .cleared)
            #expect(try store.timeline(of: id).last?.actor == "device")
        } else {
            #expect(cleared == nil)
            #expect(try store.event(id: id)?.status == status)
        }
    }

    @Test func unknownEventIsReported() throws {
        let fixture = try StoreFixture()
        #expect(throws: EventStoreError.unknownEvent("E-4242")) {
            try fixture.store.perform(.acknowledge, on: "E-4242", actor: "wang", note: "", at: t0)
        }
        #expect(throws: EventStoreError.unknownEvent("garbage")) {
            try fixture.store.perform(.acknowledge, on: "garbage", actor: "wang", note: "", at: t0)
        }
        #expect(try fixture.store.event(id: "garbage") == nil)
    }

    @Test func fullLifecycleTimeline() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let id = try store.raise(trigger()).event.id
        try store.perform(.acknowledge, on: id, actor: "wang", note: "", at: t0 + 30_000)
        let dispatched = try store.perform(.dispatch(to: "property-team"), on: id, actor: "wang", note: "bring ladder", at: t0 + 60_000)
        #expect(dispatched.assignee == "property-team")
        try store.perform(.onsite, on: id, actor: "zhao", note: "", at: t0 + 300_000)
        try store.perform(.resolve, on: id, actor: "zhao", note: "burnt toast", at: t0 + 400_000)
        try store.perform(.close, on: id, actor: "wang", note: "", at: t0 + 500_000)
        let timeline = try store.timeline(of: id)
        #expect(timeline.map(\.action) == ["raised", "acknowledged", "dispatched", "onsite", "resolved", "closed"])
        #expect(timeline.map(\.status) == [.open, .acknowledged, .dispatched, .onsite, .resolved, .closed])
        #expect(timeline[2].note == "to property-team: bring ladder")
        #expect(timeline[4].actor == "zhao")
        // Each change-feed entry holds the event as it was right after that change.
        let feed = try store.changes(after: 0, limit: 100)
        #expect(feed.map(\.event.status) == [.open, .acknowledged, .dispatched, .onsite, .resolved, .closed])
        #expect(feed.map(\.sequence) == feed.map(\.sequence).sorted())
    }

    @Test func skippingToResolveImpliesAcknowledgeSoNoEscalation() throws {
        let fixture = try StoreFixture()
        let id = try fixture.store.raise(trigger()).event.id
        try fixture.store.perform(.resolve, on: id, actor: "wang", note: "false alarm", at: t0 + 1000)
        #expect(try fixture.store.escalateDue(now: t0 + 3_600_000).isEmpty)
    }

    @Test func reopenRestartsDeadlinesAndIsRefusedWhileAnotherIsOpen() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let id = try store.raise(trigger()).event.id
        try store.perform(.resolve, on: id, actor: "wang", note: "", at: t0 + 1000)
        let reopened = try store.perform(.reopen, on: id, actor: "wang", note: "still smoking", at: t0 + 10_000)
        #expect(reopened.status == .open)
        #expect(reopened.ackDeadline == t0 + 10_000 + 120_000)
        #expect(try store.raise(trigger(at: t0 + 11_000)).created == false)
        try store.perform(.resolve, on: id, actor: "wang", note: "", at: t0 + 12_000)
        let newer = try store.raise(trigger(at: t0 + 20_000)).event
        #expect(newer.id != id)
        #expect(throws: EventStoreError.self) {
            try store.perform(.reopen, on: id, actor: "wang", note: "", at: t0 + 21_000)
        }
    }

    @Test func mergeFoldsCountsAndRecordsBothSides() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let source = try store.raise(trigger("a")).event.id
        try store.raise(trigger("a", at: t0 + 1))
        let target = try store.raise(trigger("b")).event.id
        let merged = try store.merge(source, into: target, actor: "wang", note: "same fire", at: t0 + 5)
        #expect(merged.count == 3)
        #expect(try store.event(id: source)?.status == .merged)
        #expect(try store.timeline(of: source).last?.note == "into \(target): same fire")
        #expect(throws: EventStoreError.self) { try store.merge(target, into: target, actor: "wang", note: "", at: t0 + 6) }
        #expect(throws: EventStoreError.self) { try store.merge(source, into: target, actor: "wang", note: "", at: t0 + 6) }
    }

    @Test func listingFiltersAndOrder() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        try store.raise(trigger("g", level: .green, at: t0))
        try store.raise(trigger("y", level: .yellow, community: "c02", building: "9", at: t0 + 1))
        try store.raise(trigger("r1", level: .red, at: t0 + 2))
        try store.raise(trigger("r2", level: .red, at: t0 + 3))
        #expect(try store.events(EventFilter()).map(\.eventKey) == ["r2", "r1", "y", "g"])
        var filter = EventFilter()
        filter.community = "c02"
        #expect(try store.events(filter).map(\.eventKey) == ["y"])
        filter = EventFilter()
        filter.levels = [.green, .yellow]
        filter.limit = 1
        #expect(try store.events(filter).map(\.eventKey) == ["y"])
        filter = EventFilter()
        filter.team = "grid-1"
        #expect(try store.events(filter).count == 4)
        filter.team = "nobody"
        #expect(try store.events(filter).isEmpty)
        filter = EventFilter()
        filter.statuses = [.acknowledged]
        #expect(try store.events(filter).isEmpty)
        filter.since = t0 + 2
        filter.statuses = []
        #expect(try store.events(filter).map(\.eventKey) == ["r2", "r1"])
    }
}
