import Vocabulary

/// How MQTT topics are laid out: a pattern such as `{community}/{kind}/{device}/{channel}`.
/// Named segments become `topic.<name>` in rule conditions; `kind` and `device` are required.
public struct TopicLayout: Sendable, Equatable {
    /// Segment names in order; nil for a literal segment.
    public let segments: [Segment]
    /// Names of the `{name}` segments in order: the `names` of every `TopicSegments` this layout matches,
    /// and the positions (slots) the rule compiler resolves `topic.<name>` and topic filters to.
    public let segmentNames: [String]

    /// One segment of the layout.
    public enum Segment: Sendable, Equatable {
        /// A `{name}` segment that captures the topic level.
        case named(String)
        /// A literal level that must match exactly.
        case literal(String)
    }

    /// The default layout of docs/domain.md.
    public static let standard = try! TopicLayout(pattern: "{community}/{kind}/{device}/{channel}")

    /// Error for a malformed pattern.
    public struct PatternError: Error, Sendable, Equatable {
        /// What is wrong.
        public var message: String
    }

    /// Parses a pattern like `{community}/{kind}/{device}/{channel}`.
    public init(pattern: String) throws(PatternError) {
        var segments: [Segment] = []
        for level in pattern.split(separator: "/", omittingEmptySubsequences: false) {
            if level.hasPrefix("{") && level.hasSuffix("}") && level.count > 2 {
                segments.append(.named(String(level.dropFirst().dropLast())))
            } else if level.isEmpty || level.contains("+") || level.contains("#") || level.contains("{") {
                throw PatternError(message: "bad topic level '\(level)' in layout '\(pattern)'")
            } else {
                segments.append(.literal(String(level)))
            }
        }
        let names = segments.compactMap { if case .named(let n) = $0 { n } else { nil } }
        guard names.contains("kind"), names.contains("device") else {
            throw PatternError(message: "topic layout '\(pattern)' must name {kind} and {device}")
        }
        guard Set(names).count == names.count else {
            throw PatternError(message: "topic layout '\(pattern)' names a segment twice")
        }
        self.segments = segments
        self.segmentNames = names
    }

    /// Position of the named segment `name` among `segmentNames`, or nil when the layout has none.
    public func slot(of name: String) -> Int? { segmentNames.firstIndex(of: name) }

    /// The MQTT subscription filter that covers the layout (`+/+/+/+`).
    public var subscriptionFilter: String {
        segments.map { if case .literal(let l) = $0 { l } else { "+" } }.joined(separator: "/")
    }
}

/// One decoded device message as the engine receives it.
public struct InboundMessage: Sendable {
    /// The MQTT topic.
    public var topic: String
    /// Named topic segments from the layout, in layout order (`TopicLayout.matchSegments`).
    public var topicSegments: TopicSegments
    /// The decoded payload.
    public var payload: JSONObject
    /// Raw payload bytes (valid UTF-8: the decoder checked them), kept with the event this message raises.
    public var payloadBytes: [UInt8]
    /// When the daemon received it (engine time). Deadlines, escalation and the 15-minute circle count from here.
    public var receivedAt: EpochMillis
    /// When the device says the reading happened (the payload's `ts`, once found plausible); nil: unknown.
    /// NB-IoT devices buffer and send late, so a device's own sequence (debounce, windows, merge) follows this.
    public var deviceTime: EpochMillis? = nil
    /// Whether the broker delivered it as a retained message (a device's last state, not a new occurrence).
    public var retained: Bool = false

    /// The time of the reading in the device's own sequence: its `ts` when known, else the time of receipt.
    public var occurredAt: EpochMillis { deviceTime ?? receivedAt }

    /// Creates a message from segments in layout order and the raw payload bytes (the daemon's path: no
    /// dictionary and no payload `String` per message).
    public init(topic: String, segments: TopicSegments, payload: JSONObject, payloadBytes: [UInt8], receivedAt: EpochMillis) {
        self.topic = topic
        self.topicSegments = segments
        self.payload = payload
        self.payloadBytes = payloadBytes
        self.receivedAt = receivedAt
    }

    /// Creates a message from a dictionary of named segments and the payload text.
    public init(topic: String, segments: [String: String], payload: JSONObject, payloadText: String, receivedAt: EpochMillis) {
        self.init(topic: topic, segments: TopicSegments(segments), payload: payload, payloadBytes: Array(payloadText.utf8),
                  receivedAt: receivedAt)
    }

    /// Named topic segments as a dictionary (`community`, `kind`, `device`, `channel`, …); built on each access.
    public var segments: [String: String] {
        get { topicSegments.dictionary }
        set { topicSegments = TopicSegments(newValue) }
    }

    /// Raw payload text, decoded from `payloadBytes` on each access (only actions need it).
    public var payloadText: String {
        get { String(decoding: payloadBytes, as: UTF8.self) }
        set { payloadBytes = Array(newValue.utf8) }
    }

    /// The device id (`{device}` segment).
    public var deviceID: String { topicSegments["device"] ?? "" }
    /// The device kind (`{kind}` segment).
    public var kind: String { topicSegments["kind"] ?? "" }
}

/// One step of an event's escalation chain, its teams resolved for the event (`escalate after 2m unless
/// acknowledged bring in "medical" report in`). The event core schedules it from the raise.
public struct RuleEscalationStep: Sendable, Equatable {
    /// When the step applies.
    public enum Condition: String, Sendable, Equatable {
        /// While the event is open at all (not resolved, cleared or closed).
        case open
        /// `unless acknowledged`: only if nobody has acknowledged the event yet.
        case unacknowledged
        /// `unless onsite`: only if nobody is on site yet.
        case notOnsite = "not_onsite"
    }

    /// Delay from the raise (or from the moment a hidden event surfaces).
    public var afterMillis: Int64
    /// When the step applies.
    public var condition: Condition
    /// Level the step raises the event to; nil keeps it.
    public var level: AlertLevel?
    /// Teams (and `emergency-contact`) the step brings in, in order.
    public var teams: [String]
    /// Whether each team brought in must report in (acknowledge) on its own.
    public var reportIn: Bool

    /// Creates a step.
    public init(afterMillis: Int64, condition: Condition = .open, level: AlertLevel? = nil, teams: [String] = [], reportIn: Bool = false) {
        self.afterMillis = afterMillis
        self.condition = condition
        self.level = level
        self.teams = teams
        self.reportIn = reportIn
    }
}

extension RuleEscalationStep: CustomStringConvertible {
    /// `120s unless acknowledged to red: medical report in`, as `rules test` expectations spell a step.
    public var description: String {
        var text = "\(afterMillis / 1000)s"
        switch condition {
        case .open: break
        case .unacknowledged: text += " unless acknowledged"
        case .notOnsite: text += " unless onsite"
        }
        if let level { text += " to \(level.rawValue)" }
        text += ": " + teams.joined(separator: ", ")
        if reportIn { text += " report in" }
        return text
    }
}

/// What the engine asks the event core to do. Effects are keyed by `eventKey`, so applying the same
/// action twice for the same open event only updates it.
public struct RuleAction: Sendable, Equatable {
    /// What happens to the event.
    public enum Effect: Sendable, Equatable {
        /// Raise a new event or, if one is open for `eventKey`, count another occurrence.
        case raise
        /// The device (or group) says the situation is over: mark the open event cleared by device.
        case clear
        /// The situation is reduced, not over: lower the open event to `level`, keep the record.
        case downgrade
        /// The situation is still active: remind staff of the open event (re-notify).
        case renotify
    }
    /// What happens.
    public var effect: Effect
    /// Name of the rule that produced it.
    public var rule: String
    /// One open event per key: `rule/device` for device rules, `rule/group=value` for correlations.
    public var eventKey: String
    /// Device the event concerns; for a group event, the device whose message completed the group.
    public var deviceID: String
    /// Device kind (from the topic).
    public var kind: String
    /// For group events, a readable group label (`community c01`); empty for device events.
    public var group: String
    /// Level to raise at (or to downgrade to).
    public var level: AlertLevel
    /// Level to escalate to when a deadline passes; nil keeps the level.
    public var escalateTo: AlertLevel?
    /// Title, templates expanded.
    public var title: String
    /// Longer description, templates expanded; may be empty.
    public var description: String
    /// Teams to dispatch to, in order (`community-office`, `grid-03`, `fire`).
    public var teams: [String]
    /// The rule's escalation chain for this event; empty for a raise below the rule's level (flapping).
    public var escalation: [RuleEscalationStep] = []
    /// Seconds from raise by which someone must acknowledge; nil for the level default.
    public var ackWithinSeconds: Int64?
    /// Seconds from raise by which someone must be on site; nil for the level default.
    public var onsiteWithinSeconds: Int64?
    /// Raw payload text of the triggering message (empty for timer-driven actions).
    public var payloadText: String
    /// Topic of the triggering message (empty for timer-driven actions).
    public var topic: String
    /// Engine time of the action.
    public var at: EpochMillis
    /// `merge within`: a raise within this many seconds of the key's previous raise belongs to the same
    /// event even if that event was cleared meanwhile (the event core folds it). Nil: no merging.
    public var mergeWithinSeconds: Int64? = nil
    /// For group events, the values the group is keyed by, by label (`community`, `building`): what the event
    /// may say about its place. Empty for device events.
    public var groupFields: [String: String] = [:]
    /// Whether the rule is `life_safety`: the event core never lets a maintenance silence hide its red events.
    /// Set from the rule in force when the raise is emitted (not kept in saved state).
    public var lifeSafety: Bool = false
    /// Why this raise supersedes what the open event says, even at its level: set when an alarm holds past its
    /// `for` on an event raised as flapping. The event core then gives the event this raise's title and writes
    /// the reason on its `upgraded` timeline entry. Nil for a plain raise (not kept in saved state).
    public var upgradeReason: String? = nil
    /// For a raise, the registry record of `deviceID` as the engine holds it when it emits the raise (nil: not
    /// registered): the daemon places the event from it instead of looking the device up again. Not kept in
    /// saved state, and not meaningful on other effects.
    public var device: DeviceRecord? = nil

    /// Creates an action.
    public init(effect: Effect, rule: String, eventKey: String, deviceID: String, kind: String, group: String = "",
                level: AlertLevel, escalateTo: AlertLevel? = nil, title: String, description: String = "",
                teams: [String] = [], ackWithinSeconds: Int64? = nil, onsiteWithinSeconds: Int64? = nil,
                payloadText: String = "", topic: String = "", at: EpochMillis) {
        self.effect = effect
        self.rule = rule
        self.eventKey = eventKey
        self.deviceID = deviceID
        self.kind = kind
        self.group = group
        self.level = level
        self.escalateTo = escalateTo
        self.title = title
        self.description = description
        self.teams = teams
        self.ackWithinSeconds = ackWithinSeconds
        self.onsiteWithinSeconds = onsiteWithinSeconds
        self.payloadText = payloadText
        self.topic = topic
        self.at = at
    }
}

/// One change to the engine's persistent state: the value for `key` is now `value` (nil: deleted).
/// The daemon writes these in the same transaction as the events of the same batch.
public struct RuleStateChange: Sendable, Equatable {
    /// State key (rule name + device or group).
    public var key: String
    /// Serialized state, or nil when the key's state is gone.
    public var value: [UInt8]?
    /// Creates a change.
    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }
}
