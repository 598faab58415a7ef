import FoundationEssentials
import Vocabulary

/// Recorded message streams for `at OFFSET replay "FILE"` lines.
///
/// A recording is one of the formats an operator gets without extra tools:
/// - `mosquitto_sub -v -t '+/+/+/+'` and `lookout-sim … --dry-run`: `TOPIC PAYLOAD` per line;
///   the messages are replayed 1 ms apart, starting at the replay offset.
/// - `mosquitto_sub -F '%U %t %p' -t '+/+/+/+'`: `UNIX_SECONDS.NANOS TOPIC PAYLOAD` per line;
///   a message is replayed at the replay offset plus its time since the first message.
///
/// Blank lines, lines starting with whitespace or `#`, and the simulator's `scenario …` and
/// `printed N messages …` lines are skipped; `TOPIC (retained) PAYLOAD` is read as
/// `TOPIC PAYLOAD`. Every other line must be a message whose payload is a JSON object.
extension RuleTestFile {
    /// One message of a recording.
    struct RecordedMessage {
        /// Time after the replay offset.
        var delay: EpochMillis
        var topic: String
        var payload: JSONObject
        var payloadText: String
        /// 1-based line in the recording.
        var line: Int
    }

    /// The messages of a recording, and the problems of the lines that are not messages.
    static func parseRecording(_ text: String) -> (messages: [RecordedMessage], problems: [(line: Int, message: String)]) {
        var messages: [RecordedMessage] = []
        var problems: [(line: Int, message: String)] = []
        /// Whether the lines carry `%U` times; decided by the first message line.
        var timestamped: Bool?
        var firstTime: EpochMillis = 0
        var previousTime: EpochMillis = 0
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = number + 1
            let content = rawLine.last == "\r" ? rawLine.dropLast() : rawLine
            guard let first = content.first, first != " ", first != "\t", first != "#" else { continue }
            var fields = content.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            if isSimulatorComment(content) { continue }
            let time = unixMillis(fields[0])
            let isTimestamped = timestamped ?? (time != nil && fields.count == 2)
            timestamped = isTimestamped
            var delay = EpochMillis(messages.count)
            if isTimestamped {
                guard let time, fields.count == 2 else {
                    problems.append((line, "expected 'UNIX_SECONDS.NANOS TOPIC PAYLOAD' (mosquitto_sub -F '%U %t %p') like the first message"))
                    continue
                }
                if messages.isEmpty {
                    firstTime = time
                } else if time < previousTime {
                    problems.append((line, "time \(fields[0]) is earlier than the message before it"))
                    continue
                }
                previousTime = time
                delay = time - firstTime
                fields = fields[1].split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            } else if time != nil, fields.count == 2, fields[1].contains(" ") {
                problems.append((line, "a timestamped line in a 'TOPIC PAYLOAD' recording (the first message has no time)"))
                continue
            }
            guard fields.count == 2, !fields[0].isEmpty else {
                problems.append((line, "expected 'TOPIC PAYLOAD' (mosquitto_sub -v) or 'UNIX_SECONDS.NANOS TOPIC PAYLOAD' (mosquitto_sub -F '%U %t %p')"))
                continue
            }
            // lookout-sim --dry-run marks retained messages: `TOPIC (retained) PAYLOAD`.
            let payloadText = String(fields[1].trimmingWhitespace().trimmingPrefix("(retained) "))
            guard let payload = decodeObject(payloadText) else {
                problems.append((line, "payload is not a JSON object: \(RuleValue.sanitized(String(payloadText.prefix(200))))"))
                continue
            }
            messages.append(RecordedMessage(delay: delay, topic: String(fields[0]), payload: payload, payloadText: payloadText, line: line))
        }
        return (messages, problems)
    }

    /// `scenario NAME: …` (first line) and `printed N messages (…)` (last line) of `lookout-sim --dry-run`.
    static func isSimulatorComment(_ line: Substring) -> Bool {
        let words = line.split(separator: " ", maxSplits: 3)
        if words.first == "scenario" { return true }
        return words.count >= 3 && words[0] == "printed" && UInt(words[1]) != nil && words[2] == "messages"
    }

    /// `1470818943.786368637` (mosquitto_sub `%U`) as Unix milliseconds, truncated; nil for anything else.
    static func unixMillis(_ word: Substring) -> EpochMillis? {
        let parts = word.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...12).contains(parts[0].count), (1...9).contains(parts[1].count),
              parts.allSatisfy({ $0.allSatisfy { ("0"..."9").contains($0) } }),
              let seconds = EpochMillis(parts[0]),
              let millis = EpochMillis(parts[1].padded(toLength: 3, with: "0").prefix(3)) else { return nil }
        return seconds * 1000 + millis
    }

    /// Reads the recording of an `at OFFSET replay "FILE"` line and appends its messages as inputs
    /// of the current case; problems are failures naming the recording's file and line.
    mutating func appendReplay(of path: String, at offset: EpochMillis, line: Int) {
        let resolved = PathText.isAbsolute(path) ? path : PathText.join(baseDirectory, path)
        guard let data = FileManager.default.contents(atPath: resolved) else {
            return fail(line, "cannot read recording '\(resolved)'")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return fail(line, "recording '\(resolved)' is not UTF-8 text (remove the messages that are not)")
        }
        let recording = Self.parseRecording(text)
        let caseName = cases.last?.name ?? ""
        failures += recording.problems.map { RuleTestFailure(file: resolved, line: $0.line, testCase: caseName, message: $0.message) }
        if recording.messages.isEmpty, recording.problems.isEmpty {
            return fail(line, "recording '\(resolved)' has no messages")
        }
        for message in recording.messages {
            let kind = Input.Kind.publish(topic: message.topic, payload: message.payload, text: message.payloadText)
            cases[cases.count - 1].inputs.append(Input(offset: offset + message.delay, kind: kind, line: message.line, file: resolved))
        }
    }
}
