import Testing
import Vocabulary

/// The one level type: its order, and the rank and text that rule state and the event core store.
@Suite struct AlertLevelTests {
    @Test func levelsAreOrderedAndRankedAsStored() {
        // Saved rule state stores the rank; the event core stores the raw value.
        #expect(AlertLevel.allCases.map(\.rank) == [0, 1, 2])
        #expect(AlertLevel.allCases.map(\.rawValue) == ["green", "yellow", "red"])
        #expect(AlertLevel.green < .yellow && AlertLevel.yellow < .red)
    }
}
