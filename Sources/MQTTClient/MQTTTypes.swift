/// Connection settings for the broker.
public struct MQTTOptions: Sendable, Equatable {
    /// Broker host name or address.
    public var host: String = "127.0.0.1"
    /// Broker port.
    public var port: Int = 1883
    /// Fixed client id (a persistent session needs one).
    public var clientID: String = "lookoutd"
    /// Clean session flag. Off for the daemon: the broker queues QoS 1 messages while it is away.
    public var cleanSession: Bool = false
    /// Keepalive in seconds.
    public var keepAliveSeconds: Int = 30
    /// Username, if the broker wants one.
    public var username: String?
    /// Password, if the broker wants one. Never logged.
    public var password: String?
    /// TLS settings; nil for plain TCP.
    public var tls: TLSOptions?
    /// First reconnect delay in seconds.
    public var reconnectDelayMin: Double = 1
    /// Longest reconnect delay in seconds (delay doubles up to this).
    public var reconnectDelayMax: Double = 30
    /// Protocol version. 3.1.1 for the device session (its persistence needs no session-expiry property);
    /// MQTT 5 for request/response (response topic, correlation data, reason codes in acknowledgements).
    public var protocolVersion: MQTTProtocolVersion = .v311
    /// Creates default options.
    public init() {}
}

/// The MQTT protocol version of a connection.
public enum MQTTProtocolVersion: Sendable, Equatable {
    /// MQTT 3.1.1: what the device session speaks.
    case v311
    /// MQTT 5: properties and reason codes (`MQTT5Client`).
    case v5
}

/// TLS settings.
public struct TLSOptions: Sendable, Equatable {
    /// CA certificate file (PEM) used to verify the broker.
    public var caFile: String
    /// Client certificate (PEM), for brokers that require one.
    public var certFile: String?
    /// Client key (PEM).
    public var keyFile: String?
    /// Skip host name verification (only for tests with self-made certificates without a matching name).
    public var insecureSkipHostnameCheck: Bool = false
    /// Creates TLS settings.
    public init(caFile: String, certFile: String? = nil, keyFile: String? = nil) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
    }
}

/// One received message; topic and payload are copies owned by Swift.
public struct MQTTMessage: Sendable, Equatable {
    /// Topic.
    public var topic: String
    /// Payload bytes.
    public var payload: [UInt8]
    /// QoS it arrived with.
    public var qos: Int
    /// Whether the broker delivered it as a retained message.
    public var retained: Bool
    /// Whether it may be a redelivery: it was read on a resumed session before the broker acknowledged the
    /// subscriptions. A broker resends unacknowledged messages only right after a (re)connect, ahead of its
    /// SUBACK (it writes them while handling CONNECT); libmosquitto does not expose the DUP flag, so every
    /// message of that burst may be one, and none read later can be.
    public var mayBeRedelivery: Bool
    /// The broker's packet identifier (0 at QoS 0). A redelivery carries the identifier of the first delivery;
    /// a new message gets a new one while the first is unacknowledged.
    public var packetID: Int
    /// Creates a message.
    public init(topic: String, payload: [UInt8], qos: Int = 1, retained: Bool = false, mayBeRedelivery: Bool = false,
                packetID: Int = 0) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retained = retained
        self.mayBeRedelivery = mayBeRedelivery
        self.packetID = packetID
    }
}

/// Errors from the MQTT client, with libmosquitto's message where there is one.
public struct MQTTError: Error, Sendable, Equatable, CustomStringConvertible {
    /// libmosquitto's error code (`MOSQ_ERR_*`), or -1 for errors of our own.
    public var code: Int32
    /// What went wrong.
    public var message: String
    /// Creates an error.
    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }
    /// One line.
    public var description: String { "mqtt: \(message) (code \(code))" }
}

/// What the connection tells its consumer. All calls come from the thread that runs `MQTTConnection.run`.
public protocol MQTTConsumer: AnyObject {
    /// The connection is up and subscriptions are acknowledged by the broker.
    /// With a persistent session the broker sends queued messages right after CONNACK, ahead of the
    /// SUBACK, so batches of a new connection may be delivered before this call.
    func mqttDidConnect(sessionPresent: Bool)
    /// The connection went down; `reason` is a readable cause. Called once per loss, not per retry.
    func mqttDidDisconnect(reason: String)
    /// Messages read from the socket in one pass. Acknowledgements for QoS 1 messages in the batch are
    /// written to the broker only after this returns. Throw when their effects could not be made
    /// durable: no acknowledgement is sent, the connection is dropped and the broker redelivers.
    func mqttDidReceive(_ batch: [MQTTMessage]) throws
    /// Called at least every `tickInterval` seconds on the loop thread, connected or not: timers, outbox.
    func mqttTick()
}
