import Daemon
import Foundation
import Synchronization
import Testing

/// Collects a logger's lines.
final class LineCollector: Sendable {
    let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    func output(journald: Bool) -> Logger.Output {
        Logger.Output(journald: journald) { line in self.lines.withLock { $0.append(line) } }
    }
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

    @Test func repeatedWarningsAreSuppressedAndCounted() {
        let collector = LineCollector()
        let log = Logger(level: .info, output: collector.output(journald: true), suppressionWindow: 0.2)
        for _ in 0..<5 { log.warning("bad payload", key: "reject") }
        #expect(collector.all == ["<4>bad payload\n"])
        // Once the window has passed, the next line says how many were dropped.
        var waited = 0
        while collector.all.count < 2 && waited < 100 {
            usleep(50_000)
            waited += 1
            log.warning("bad payload", key: "reject")
        }
        #expect(collector.all.last?.hasPrefix("<4>bad payload (") == true)
        #expect(collector.all.last?.contains("similar suppressed)") == true)
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
