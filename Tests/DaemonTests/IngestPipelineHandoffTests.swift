@testable import Daemon
import Testing

/// lookoutd's own hand-off publications, fed back by a broad subscription, are counted and skipped; topics that only
/// look like them are read. The first level is compared as bytes before any split, so lookalikes sharing a prefix
/// and patterns that start with a placeholder are checked here.
@Suite struct IngestPipelineHandoffTests {
    typealias Fixture = IngestPipelineTests.Fixture

    @Test func ownHandoffIsSkippedAndLookalikesAreRead() throws {
        let fixture = try Fixture()
        let pipeline = try fixture.pipeline()
        try pipeline.ingest([
            IngestPipelineTests.message("lookout/events/red/E-1001", #"{"id":"E-1001"}"#),
            IngestPipelineTests.message("lookoutx/events/red/E-1001", "{}"),
            IngestPipelineTests.message("lookou/events/red/E-1001", "{}"),
            IngestPipelineTests.message("lookout/events/red", "{}"),
            IngestPipelineTests.message("lookout", "{}"),
            IngestPipelineTests.message("lookout/alerts/red/E-1001", "{}"),
            IngestPipelineTests.message("c01/smoke/SD-1/telemetry", #"{"battery_pct":55}"#),
        ])
        #expect(pipeline.counters.ownHandoff == 1)
    }

    @Test func aPatternStartingWithAPlaceholderIsMatchedLevelByLevel() throws {
        let fixture = try Fixture()
        fixture.configuration.handoffTopic = "{level}/lookout/{id}"
        let pipeline = try fixture.pipeline()
        try pipeline.ingest([
            IngestPipelineTests.message("red/lookout/E-1001", "{}"),
            IngestPipelineTests.message("yellow/lookout/E-1002", "{}"),
            IngestPipelineTests.message("red/lookoutx/E-1001", "{}"),
            IngestPipelineTests.message("lookout/events/red/E-1001", "{}"),
        ])
        #expect(pipeline.counters.ownHandoff == 2)
    }

    @Test func nothingIsSkippedWithTheHandoffOff() throws {
        let fixture = try Fixture()
        fixture.configuration.handoffEnabled = false
        let pipeline = try fixture.pipeline()
        try pipeline.ingest([IngestPipelineTests.message("lookout/events/red/E-1001", "{}")])
        #expect(pipeline.counters.ownHandoff == 0)
    }
}
