import Vocabulary

/// A rejected message kept for inspection (`lookout rejects`): malformed or impossible device data.
public struct RejectedMessage: Sendable, Equatable, Codable {
    /// When it arrived.
    public var at: EpochMillis
    /// Why it was rejected (a short, stable reason code such as `bad_json`).
    public var reason: String
    /// Topic it arrived on.
    public var topic: String
    /// The start of the payload, decoded leniently as UTF-8 (not sanitised: sanitise before printing).
    public var payloadExcerpt: String
    /// The device the topic names ("" when the topic names none).
    public var deviceID: String = ""
    /// What exactly was wrong, e.g. the field and the value (`temperature_c = -900: outside -50..150`); from
    /// device data, so sanitise before printing. Empty when the reason says it all.
    public var detail: String = ""

    /// Creates a sample, keeping at most `excerptBytes` bytes of the payload.
    public init(at: EpochMillis, reason: String, topic: String, payload: [UInt8], excerptBytes: Int = 512,
                deviceID: String = "", detail: String = "") {
        self.at = at
        self.reason = reason
        self.topic = topic
        self.payloadExcerpt = String(decoding: payload.prefix(max(excerptBytes, 0)), as: UTF8.self)
        self.deviceID = deviceID
        self.detail = detail
    }

    /// Creates a sample from stored parts.
    public init(at: EpochMillis, reason: String, topic: String, payloadExcerpt: String, deviceID: String = "", detail: String = "") {
        self.at = at
        self.reason = reason
        self.topic = topic
        self.payloadExcerpt = payloadExcerpt
        self.deviceID = deviceID
        self.detail = detail
    }
}

/// How many messages were rejected for one reason.
public struct RejectCount: Sendable, Equatable, Codable {
    /// Reason code.
    public var reason: String
    /// Messages rejected for it, ever.
    public var count: Int64
    /// When the last one arrived.
    public var lastAt: EpochMillis
}
