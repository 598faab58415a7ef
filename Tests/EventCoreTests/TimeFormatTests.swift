import Testing
@testable import EventCore
import Vocabulary

@Suite struct TimeFormatTests {
    @Test(arguments: [
        (t0, "2025-11-23T04:00:00Z"),
        (0, "1970-01-01T00:00:00Z"),
        (-1, "1969-12-31T23:59:59Z"),
        (951_782_400_000, "2000-02-29T00:00:00Z"),
        (951_868_799_999, "2000-02-29T23:59:59Z"),
        (-62_135_596_800_000, "0001-01-01T00:00:00Z"),
    ] as [(EpochMillis, String)])
    func formatsUTC(_ millis: EpochMillis, _ expected: String) {
        #expect(EventStore.formatTime(millis) == expected)
    }

    @Test func extremesDoNotCrash() {
        #expect(!EventStore.formatTime(EpochMillis.min).isEmpty)
        #expect(!EventStore.formatTime(EpochMillis.max).isEmpty)
        #expect(EventStore.elapsed(from: EpochMillis.min, to: EpochMillis.max) == EpochMillis.max)
        #expect(EventStore.adding(EpochMillis.max, 1) == EpochMillis.max)
    }
}
