import Foundation
@testable import Rules
import Testing
import Vocabulary

/// `at OFFSET replay "FILE"`: recorded message streams (mosquitto_sub -v, mosquitto_sub -F '%U %t %p',
/// lookout-sim --dry-run) fed to the shipped smoke rules.
struct RuleReplayTests {
    static let smokeRules = ShippedRuleTests.rulesDirectory + "/smoke.rules"
    static let header = """
        rules "\(smokeRules)"
        device SD-0101 kind=smoke community=c01 building=3 unit=1 address="Bldg 3 Unit 1 #501" grid=grid-03
        device SD-0102 kind=smoke community=c01 building=3 unit=2 address="Bldg 3 Unit 2 #302" grid=grid-03

        """

    /// A fresh directory holding `case.test` and the given recordings (paths relative to it).
    static func runTestFile(_ body: String, recordings: [String: String], bytes: [String: [UInt8]] = [:]) throws -> (report: RuleTestReport, directory: String) {
        let directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("lookout-replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: directory + "/recordings", withIntermediateDirectories: true)
        for (name, text) in recordings {
            try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
        }
        for (name, content) in bytes {
            try Data(content).write(to: URL(fileURLWithPath: directory + "/" + name))
        }
        try (header + body).write(toFile: directory + "/case.test", atomically: true, encoding: .utf8)
        return (RuleTestRunner.run(path: directory + "/case.test"), directory)
    }

    static func describe(_ report: RuleTestReport) -> String {
        report.failures.map(\.description).joined(separator: "\n")
    }

    @Test func topicPayloadLinesReplayOneMillisecondApartFromAPathRelativeToTheTestFile() throws {
        let recording = """
            c01/smoke/SD-0101/event {"event":"smoke","state":"alarm","concentration_pct":18}
            c01/smoke/SD-0102/event {"event": "smoke", "state": "alarm"}

            """
        let (report, directory) = try Self.runTestFile("""
            case "two detectors in one building, recorded with mosquitto_sub -v"
              ignore renotify
              at 10s replay "recordings/plain.txt"
              expect at 13s raise smoke_alarm/SD-0101 level red count 1
              expect at 13s1ms raise smoke_alarm/SD-0102 level red count 1
              expect at 13s1ms raise fire_confirmed/community=c01,building=3 level red count 1
            """, recordings: ["recordings/plain.txt": recording])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(report.cases == 1)
        #expect(report.expectations == 3)
        #expect(report.passed, "\(Self.describe(report))")
    }

    @Test func unixTimeLinesKeepTheirSpacingAndInterleaveWithLaterInputs() throws {
        // 1 h 0.546… s between the messages; sub-millisecond digits are dropped.
        let recording = """
            1795439529.453394375 c01/smoke/SD-0101/event {"event":"smoke","state":"alarm"}
            1795443129.999999999 c01/smoke/SD-0101/event {"event":"smoke","state":"normal"}
            """
        let (report, directory) = try Self.runTestFile("""
            case "recorded with mosquitto_sub -F '%U %t %p'"
              ignore renotify
              at 1m replay "recordings/timed.txt"
              at 1m10s publish "c01/smoke/SD-0102/event" {"event":"smoke","state":"alarm"}
              expect at 1m3s raise smoke_alarm/SD-0101 level red count 1
              expect at 1m13s raise smoke_alarm/SD-0102 level red count 1
              expect at 1m13s raise fire_confirmed/community=c01,building=3 level red count 1
              expect at 1h1m546ms clear smoke_alarm/SD-0101
            """, recordings: ["recordings/timed.txt": recording])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(report.expectations == 4)
        #expect(report.passed, "\(Self.describe(report))")
    }

    @Test func simulatorCommentsAndBlankLinesAreSkippedButMalformedLinesFailWithTheirLine() throws {
        let recording = """
            scenario smoke-fire: a detector alarms, a second one confirms
            # waiting 3 s
            c01/smoke/SD-0101/event {"event":"smoke","state":"alarm"}
                (the alarm is held)

            c01/smoke/SD-0101/event
            c01/smoke/SD-0102/event {"event":"smoke",
            c01/smoke/SD-0102/event [1,2]
            1795439529.453394375 c01/smoke/SD-0102/event {"event":"smoke","state":"alarm"}
            """
        let (report, directory) = try Self.runTestFile("""
            case "broken recording"
              at 0s replay "recordings/bad.txt"
              expect at 3s raise smoke_alarm/SD-0101 level red count 1
            """, recordings: ["recordings/bad.txt": recording])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let recordingPath = directory + "/recordings/bad.txt"
        #expect(report.failures.map(\.line) == [6, 7, 8, 9], "\(Self.describe(report))")
        #expect(report.failures.allSatisfy { $0.file == recordingPath && $0.testCase == "broken recording" })
        #expect(report.failures.first?.description.hasPrefix("\(recordingPath):6: [broken recording] expected 'TOPIC PAYLOAD'") == true)
    }

    @Test func aMissingOrEmptyRecordingFailsOnTheReplayLine() throws {
        let (report, directory) = try Self.runTestFile("""
            case "missing"
              at 0s replay "recordings/none.txt"
            case "empty"
              at 0s replay "recordings/empty.txt"
            case "no path"
              at 0s replay
            case "not UTF-8"
              at 0s replay "recordings/binary.txt"
            """, recordings: ["recordings/empty.txt": "# nothing\n\n"], bytes: ["recordings/binary.txt": Array("c01/smoke/SD-0101/event {\"event\":\"".utf8) + [0xFF] + Array("\"}\n".utf8)])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(report.failures.map(\.line) == [5, 7, 9, 11], "\(Self.describe(report))")
        #expect(report.failures.first?.message.hasPrefix("cannot read recording") == true)
        #expect(report.failures.last?.message.hasSuffix("is not UTF-8 text (remove the messages that are not)") == true)
        #expect(report.failures.allSatisfy { $0.file.hasSuffix("/case.test") })
    }

    @Test func aRecordedTopicOutsideTheLayoutFailsOnItsRecordingLine() throws {
        let (report, directory) = try Self.runTestFile("""
            case "wrong topic"
              at 0s replay "recordings/topic.txt"
            """, recordings: ["recordings/topic.txt": "\nc01/smoke/SD-0101 {\"event\":\"smoke\",\"state\":\"alarm\"}\n"])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(report.failures.map(\.line) == [2], "\(Self.describe(report))")
        #expect(report.failures.first?.file == directory + "/recordings/topic.txt")
    }

    @Test(arguments: [
        ("1470818943.786368637", Optional<EpochMillis>(1_470_818_943_786)),
        ("1.5", 1_500),
        ("0.000999999", 0),
        ("1470818943", nil),
        ("1470818943.", nil),
        ("-1.5", nil),
        ("1.2.3", nil),
        ("c01/smoke/SD-0101/event", nil),
    ])
    func mosquittoUnixTimes(_ word: String, _ millis: EpochMillis?) {
        #expect(RuleTestFile.unixMillis(Substring(word)) == millis)
    }
}
