import EventCore
import Testing

@Suite struct SilenceTests {
    @Test func deviceSilenceMarksEventsButStillRecordsThem() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let silence = try store.addSilence(scope: .device("SD-0113"), until: t0 + 3_600_000, reason: "detector swap",
                                           actor: "wang", at: t0 - 1000)
        let event = try store.raise(trigger()).event
        #expect(event.silenced)
        #expect(try store.timeline(of: event.id).first?.note.contains("detector swap") == true)
        #expect(try store.raise(trigger("other", device: "SD-0200")).event.silenced == false)
        #expect(try store.listSilences(now: t0).map(\.id) == [silence.id])
    }

    @Test func silencedEventsDoNotEscalate() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        try store.addSilence(scope: .device("SD-0113"), until: t0 + 60_000, reason: "test", actor: "wang", at: t0)
        try store.raise(trigger("silenced", device: "SD-0113"))
        let loud = try store.raise(trigger("loud", device: "SD-0200")).event
        #expect(try store.escalateDue(now: t0 + 3_600_000).map(\.id) == [loud.id])
    }

    @Test func buildingAndCommunityScopes() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        try store.addSilence(scope: .building(community: "c01", building: "3"), until: t0 + 60_000,
                             reason: "fire alarm test", actor: "wang", at: t0)
        #expect(try store.raise(trigger("a", device: "SD-1", building: "3")).event.silenced)
        #expect(try store.raise(trigger("b", device: "SD-2", building: "4")).event.silenced == false)
        try store.addSilence(scope: .community("c02"), until: t0 + 60_000, reason: "manhole crew", actor: "wang", at: t0)
        #expect(try store.raise(trigger("c", device: "MH-1", community: "c02", building: "1")).event.silenced)
        #expect(try store.raise(trigger("d", device: "MH-2", community: "c03", building: "1")).event.silenced == false)
    }

    @Test func expiredAndRemovedSilencesDoNotCover() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        try store.addSilence(scope: .device("SD-0113"), until: t0, reason: "ended", actor: "wang", at: t0 - 60_000)
        #expect(try store.raise(trigger("a", at: t0)).event.silenced == false)
        let silence = try store.addSilence(scope: .device("SD-0113"), until: t0 + 60_000, reason: "r", actor: "wang", at: t0)
        #expect(try store.removeSilence(id: silence.id, at: t0 + 1))
        #expect(try store.removeSilence(id: silence.id, at: t0 + 2) == false)
        #expect(try store.raise(trigger("b", at: t0 + 2)).event.silenced == false)
        #expect(try store.listSilences(now: t0 + 2).isEmpty)
    }
}
