import Testing
@testable import EventCore

@Suite struct TimeFormatTests {
    @Test(arguments: [
        (t0, "2025-11-23T04:00:00Z"),
        (0, "1970-01-01T00:00:00Z"),
        (-1, "1969-12-31T23:59:59Z"),
        (951_782_400_000, "2000-02-29T00:00:00Z"),
        (951_868_799_999, "2000-02-29T23:59:59Z"),
        (-62_135_596_800_000, "0001-01-01T00:00:00Z"),
    ] as [(Millis, String)])
    func formatsUTC(_ millis: Millis, _ expected: String) {
        #expect(EventStore.formatTime(millis) == expected)
    }

    @Test func extremesDoNotCrash() {
        #expect(!EventStore.formatTime(Millis.min).isEmpty)
        #expect(!EventStore.formatTime(Millis.max).isEmpty)
        #expect(EventStore.elapsed(from: Millis.min, to: Millis.max) == Millis.max)
        #expect(EventStore.adding(Millis.max, 1) == Millis.max)
    }
}
