@testable import Rules
import Testing

/// `TopicLayout.matchSegments` (bytes for ASCII topics, `Character`s otherwise) agrees with matching by
/// `Character`s into a dictionary, and the engine reads segments the same whichever order they come in.
struct TopicMatchingTests {
    /// The matcher as it was before the byte path: split into `Character` levels, one dictionary entry each.
    static func referenceMatch(_ layout: TopicLayout, _ topic: String) -> [String: String]? {
        let levels = topic.split(separator: "/", omittingEmptySubsequences: false)
        guard levels.count == layout.segments.count else { return nil }
        var captured: [String: String] = [:]
        for (level, segment) in zip(levels, layout.segments) {
            switch segment {
            case .literal(let literal): if level != literal { return nil }
            case .named(let name):
                if level.isEmpty { return nil }
                captured[name] = String(level)
            }
        }
        return captured
    }

    static let topics = [
        "c01/smoke/SD-1/event", "c01/smoke/SD-1", "c01/smoke/SD-1/event/extra", "c01//SD-1/event", "/smoke/SD-1/event",
        "c01/smoke/SD-1/", "", "/", "////", "c01/smoke/SD-1/event/", "site/c01/smoke/SD-1/event", "site/c01/smoke/SD-1/status",
        "Site/c01/smoke/SD-1/event", "sit/c01/smoke/SD-1/event", "c01/门禁/D-1/event", "c01/smoke/SD-1/\u{301}event",
        "c01/smoke\u{301}/SD-1/event", "c01/smoke/SD-1/event\r\n", "site/c01/K/SD-1/event", "\u{212A}/c01/smoke/SD-1/event",
        "K/c01/smoke/SD-1/event", "c01/smoke/SD-1/event\u{0}", "c01/+/SD-1/#",
    ]

    static let layouts = [
        "{community}/{kind}/{device}/{channel}", "site/{community}/{kind}/{device}/{channel}", "{kind}/{device}",
        "\u{212A}/{community}/{kind}/{device}/{channel}", "site/{kind}/{channel}/{device}",
    ]

    @Test(arguments: layouts)
    func matchesLikeTheCharacterMatcher(_ pattern: String) throws {
        let layout = try TopicLayout(pattern: pattern)
        for topic in Self.topics {
            let segments = layout.matchSegments(topic)
            #expect(segments?.dictionary == Self.referenceMatch(layout, topic), "topic \(topic.debugDescription)")
            #expect(layout.match(topic) == Self.referenceMatch(layout, topic), "topic \(topic.debugDescription)")
            if let segments {
                #expect(segments.names == layout.segmentNames)
                for (name, value) in zip(segments.names, segments.values) { #expect(segments[name] == value) }
            }
        }
    }

    @Test func segmentsLookUpByNameAndSlot() {
        let segments = TopicSegments(["kind": "smoke", "device": "SD-1", "community": "c01"])
        #expect(segments.names == ["community", "device", "kind"])
        #expect(segments["device"] == "SD-1")
        #expect(segments["channel"] == nil)
        // A slot from another layout order falls back to the name.
        #expect(segments.value("kind", slot: 1) == "smoke")
        #expect(segments.value("kind", slot: 2) == "smoke")
        #expect(segments.value("kind", slot: 7) == "smoke")
        #expect(segments.value("channel", slot: -1) == nil)
    }

    static let rules = """
    rule by_filter {
      on "site/+/smoke/+/event"
      when event == "smoke" and topic.community == "c01"
      level red
      title "{topic.kind} {topic.device} in {topic.community} on {topic.channel}"
    }
    rule by_kind {
      on kind smoke channel event
      on kind sos
      when topic.device != "SD-9"
      level yellow
      title "{topic.device}"
    }
    """

    /// Messages built from `matchSegments` (layout order) and from a dictionary (sorted order) give the
    /// same actions, payload text included.
    @Test func engineReadsSegmentsInAnyOrder() throws {
        let layout = try TopicLayout(pattern: "site/{community}/{kind}/{device}/{channel}")
        let result = RuleCompiler.compile([RuleSource(fileName: "t.rules", text: Self.rules)], options: CompileOptions(layout: layout))
        let ruleSet = try #require(result.ruleSet)
        let byLayout = RuleEngine(ruleSet: ruleSet, registry: DeviceRegistry())
        let byDictionary = RuleEngine(ruleSet: ruleSet, registry: DeviceRegistry())
        let topics = ["site/c01/smoke/SD-1/event", "site/c02/smoke/SD-2/event", "site/c01/sos/SOS-1/status", "site/c01/smoke/SD-9/event",
                      "site/c01/door/D-1/event"]
        var raised = 0
        for (index, topic) in topics.enumerated() {
            let segments = try #require(layout.matchSegments(topic))
            let payloadText = #"{"event":"smoke","n":\#(index)}"#
            let payload = try JSONParser.parseObject(Array(payloadText.utf8))
            let fast = byLayout.process(InboundMessage(topic: topic, segments: segments, payload: payload,
                                                       payloadBytes: Array(payloadText.utf8), receivedAt: Int64(index) * 1000))
            let slow = byDictionary.process(InboundMessage(topic: topic, segments: segments.dictionary, payload: payload,
                                                           payloadText: payloadText, receivedAt: Int64(index) * 1000))
            #expect(fast == slow, "topic \(topic)")
            #expect(fast.allSatisfy { $0.payloadText == payloadText && $0.topic == topic })
            raised += fast.count
        }
        #expect(raised == 5)
        let first = byLayout.process(InboundMessage(topic: "site/c01/smoke/SD-3/event", segments: try #require(layout.matchSegments("site/c01/smoke/SD-3/event")),
                                                    payload: JSONObject([("event", "smoke")]), payloadBytes: [], receivedAt: 9_000))
        #expect(first.map(\.title) == ["smoke SD-3 in c01 on event", "SD-3"])
    }
}
