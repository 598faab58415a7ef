/// The MQTT 5 publish properties that request/response needs: where to answer, what to echo, how long the message
/// is worth delivering.
public struct MQTT5Properties: Sendable, Equatable {
    /// Where the receiver should answer (MQTT 5 "response topic"); a server may ignore it and answer on a topic of
    /// its own choosing (lookoutd does).
    public var responseTopic: String?
    /// Opaque bytes the answer carries back, so the requester can match it to its request.
    public var correlationData: [UInt8]?
    /// Seconds after which the broker discards the message instead of delivering it (queued while the receiver was away).
    public var messageExpirySeconds: UInt32?
    /// Creates properties; all optional.
    public init(responseTopic: String? = nil, correlationData: [UInt8]? = nil, messageExpirySeconds: UInt32? = nil) {
        self.responseTopic = responseTopic
        self.correlationData = correlationData
        self.messageExpirySeconds = messageExpirySeconds
    }
}

/// One message received on an MQTT 5 connection: topic, payload and properties, copies owned by Swift.
public struct MQTT5Message: Sendable, Equatable {
    /// Topic.
    public var topic: String
    /// Payload bytes.
    public var payload: [UInt8]
    /// QoS it arrived with.
    public var qos: Int
    /// Whether the broker delivered it as a retained message.
    public var retained: Bool
    /// Its request/response properties.
    public var properties: MQTT5Properties
    /// Creates a message.
    public init(topic: String, payload: [UInt8], qos: Int, retained: Bool = false, properties: MQTT5Properties = MQTT5Properties()) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retained = retained
        self.properties = properties
    }
}

/// MQTT 5 reason codes a client acts on.
public enum MQTT5ReasonCode {
    /// Success (PUBACK, CONNACK).
    public static let success: Int32 = 0
    /// The broker accepted a publish that no subscriber matched (still a success).
    public static let noMatchingSubscribers: Int32 = 16
    /// The broker's ACL refused it (PUBACK, SUBACK, CONNACK).
    public static let notAuthorized: Int32 = 135
}
