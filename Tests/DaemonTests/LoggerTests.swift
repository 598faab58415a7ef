import Daemon
import EventCore
import Foundation
import Synchronization
import Testing
import Vocabulary

/// Collects a logger's lines.
final class LineCollector: Sendable {
    let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    func output(journald: Bool) -> Logger.Output {
        Logger.Output(journald: journald) { line in self.lines.withLock { $0.append(line) } }
    }
}

/// A clock the test moves by hand (milliseconds since the epoch): no sleeping, no timing in the tests.
final class ManualClock: Sendable {
    private let millis = Mutex<EpochMillis>(1_000_000)
    var now: EpochMillis { millis.withLock { $0 } }
    func advance(_ milliseconds: EpochMillis) { millis.withLock { $0 += milliseconds } }
}

@Suite struct LoggerTests {
    @Test func journaldLinesCarryPriorityPrefixes() {
        let collector = LineCollector()
        let log = Logger(level: .info, output: collector.output(journald: true))
        log.error("disk full")
        log.warning("odd")
        log.info("connected")
        log.debug("hidden")
        #expect(collector.all == ["<3>disk full\n", "<4>odd\n", "<6>connected\n"])
    }

    @Test func plainLinesHaveATimestampAndLevel() {
        let collector = LineCollector()
        Logger(level: .debug, output: collector.output(journald: false)).debug("details")
        let line = collector.all.first ?? ""
        #expect(line.hasSuffix(" debug: details\n"))
        #expect(line.hasPrefix("20"))
    }

    /// A logger on a clock the test moves, writing journald-style lines.
    static func manualLogger(_ collector: LineCollector, window: Double = 60) -> (Logger, ManualClock) {
        let clock = ManualClock()
        let log = Logger(level: .info, output: collector.output(journald: true), suppressionWindow: window,
                         clock: { clock.now })
        return (log, clock)
    }

    @Test func aBurstIsWrittenInFullAndOnlyTheFloodBeyondItIsCounted() {
        let collector = LineCollector()
        let (log, clock) = Self.manualLogger(collector)
        let key = Logger.Key("raised:door", burst: 3)
        for n in 1...5 {
            log.info("raised \(n)", key: key)
            clock.advance(1_000)
        }
        #expect(collector.all == ["<6>raised 1\n", "<6>raised 2\n", "<6>raised 3\n"])
        // Other keys and unkeyed lines are not affected by this key's flood.
        log.info("raised other", key: Logger.Key("raised:smoke", burst: 3))
        for _ in 0..<10 { log.info("unkeyed") }
        #expect(collector.all.count == 3 + 1 + 10)
    }

    @Test func theCountIsWrittenWhenTheWindowEndsWithoutAFurtherLine() {
        let collector = LineCollector()
        let (log, clock) = Self.manualLogger(collector)
        let key = Logger.Key("raised:door", burst: 2)
        for n in 1...6 { log.info("raised \(n)", key: key) }
        log.flushSuppressed()
        #expect(collector.all.count == 2, "nothing to write before the window ends")
        clock.advance(59_999)
        log.flushSuppressed()
        #expect(collector.all.count == 2)
        clock.advance(1)
        log.flushSuppressed()
        #expect(collector.all.last == "<6>4 similar 'raised:door' lines suppressed in the last 60 s\n")
        log.flushSuppressed()
        #expect(collector.all.count == 3, "a count is written once")
        // The key starts a new window with a full burst.
        log.info("raised 7", key: key)
        log.info("raised 8", key: key)
        #expect(collector.all.suffix(2) == ["<6>raised 7\n", "<6>raised 8\n"])
    }

    @Test func aRepeatingConditionIsOneLineAWindowAndItsCountAtTheMostSevereLevel() {
        let collector = LineCollector()
        let (log, clock) = Self.manualLogger(collector, window: 10)
        log.info("could not write the status row", key: "status-row")
        log.info("could not write the status row", key: "status-row")
        log.warning("could not write the status row", key: "status-row")
        clock.advance(10_000)
        log.flushSuppressed()
        #expect(collector.all == ["<6>could not write the status row\n",
                                  "<4>2 similar 'status-row' lines suppressed in the last 10 s\n"])
    }

    @Test func aCountMissedByTheTimerComesBeforeTheKeysNextLine() {
        let collector = LineCollector()
        let (log, clock) = Self.manualLogger(collector)
        log.warning("rejected 1 message(s): bad_json", key: "reject:bad_json")
        log.warning("rejected 1 message(s): bad_json", key: "reject:bad_json")
        clock.advance(300_000)
        log.warning("rejected 2 message(s): bad_json", key: "reject:bad_json")
        #expect(collector.all == ["<4>rejected 1 message(s): bad_json\n",
                                  "<4>1 similar 'reject:bad_json' lines suppressed in the last 60 s\n",
                                  "<4>rejected 2 message(s): bad_json\n"])
    }

    @Test func atShutdownRunningWindowsReportTheirCountsSoFar() {
        let collector = LineCollector()
        let (log, clock) = Self.manualLogger(collector)
        log.warning("checkpoint failed", key: "checkpoint")
        log.warning("checkpoint failed", key: "checkpoint")
        clock.advance(12_300)
        log.flushSuppressed()
        #expect(collector.all.count == 1)
        log.flushSuppressed(all: true)
        #expect(collector.all.last == "<4>1 similar 'checkpoint' lines suppressed in the last 13 s\n")
        log.flushSuppressed(all: true)
        #expect(collector.all.count == 2)
    }

    @Test func plainLinesAreStampedByTheLoggersClock() {
        let collector = LineCollector()
        // 2026-11-23T11:30:00.123Z
        let log = Logger(level: .info, output: collector.output(journald: false), clock: { 1_795_433_400_123 })
        log.info("connected")
        #expect(collector.all == ["2026-11-23T11:30:00.123Z info: connected\n"])
    }

    @Test func deviceTextCannotBreakALine() {
        let collector = LineCollector()
        Logger(level: .info, output: collector.output(journald: true)).info("device SD-1\n<3>fake\u{1b}[2J")
        #expect(collector.all == ["<6>device SD-1\\x0a<3>fake\\x1b[2J\n"])
    }

    @Test func bidiControlsAndLineSeparatorsAreEscapedAsOnTheTerminal() {
        let collector = LineCollector()
        Logger(level: .info, output: collector.output(journald: true)).info("device D-\u{202E}1\u{2067}x\u{2029}y\u{200F}")
        #expect(collector.all == ["<6>device D-\\u{202e}1\\u{2067}x\\u{2029}y\\u{200f}\n"])
    }
}
