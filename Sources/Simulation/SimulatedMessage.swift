import Rules

/// One message the simulator publishes (or a benchmark decodes).
public struct SimulatedMessage: Sendable, Equatable {
    /// MQTT topic.
    public var topic: String
    /// Payload bytes (JSON, or deliberately broken bytes for garbage).
    public var payload: [UInt8]
    /// Whether the broker should retain it (status messages).
    public var retain: Bool
    /// What it is, for logs and summaries: `telemetry`, `event:smoke`, `status:offline`, `garbage:invalid_utf8`.
    public var label: String

    /// Creates a message.
    public init(topic: String, payload: [UInt8], retain: Bool = false, label: String) {
        self.topic = topic
        self.payload = payload
        self.retain = retain
        self.label = label
    }

    /// A JSON payload on `device`'s `channel` topic; status messages are retained.
    public init(device: SimulatedDevice, channel: SimulatedChannel, payload: JSONObject, label: String) {
        self.init(topic: device.topic(channel), payload: Array(JSONValue.object(payload).jsonText.utf8),
                  retain: channel == .status, label: label)
    }
}
