import CMosquitto
import FoundationEssentials
import Vocabulary

/// An MQTT 5 client for request/response (the staff API over the broker): publishes with response topic,
/// correlation data and message expiry, reads them from received messages, and reports the broker's reason code
/// for each QoS 1 publish (135: the ACL refused it, which MQTT 3.1.1 never tells a client).
///
/// A connection of its own with libmosquitto's network thread, separate from the device session (`MQTTConnection`,
/// MQTT 3.1.1): an MQTT 5 session without a session-expiry interval would silently stop being persistent.
/// Subscriptions are made again after every reconnect. Received messages wait in a bounded inbox (`nextMessage`);
/// libmosquitto acknowledges them on receipt, so what they ask must be idempotent (request ids).
public final class MQTT5Client: @unchecked Sendable {
    /// Settings (`protocolVersion` is forced to MQTT 5).
    public let options: MQTTOptions
    /// Session expiry in seconds sent with CONNECT: 0 ends the session with the connection; more keeps the
    /// subscriptions and queues QoS 1 messages for that long while away (with `cleanSession` false).
    public let sessionExpirySeconds: UInt32

    private let handle: OpaquePointer
    private let state: MQTT5ClientState
    private let networkThread = NetworkThread()

    /// Creates a client (does not connect) that subscribes to `subscriptions` (filter, QoS) on every connect.
    /// `will`: a retained QoS 1 message the broker publishes when the connection ends without a DISCONNECT (the
    /// process died, the network went): how others learn that this client is gone.
    public init(options: MQTTOptions, subscriptions: [(filter: String, qos: Int)] = [],
                sessionExpirySeconds: UInt32 = 0, will: (topic: String, payload: [UInt8])? = nil) throws(MQTTError) {
        var options = options
        options.protocolVersion = .v5
        self.options = options
        self.sessionExpirySeconds = sessionExpirySeconds
        self.state = MQTT5ClientState(subscriptions: subscriptions)
        self.handle = try MosquittoHandle.make(options: options)
        mosquitto_user_data_set(handle, Unmanaged.passRetained(state).toOpaque())
        _ = mosquitto_reconnect_delay_set(handle, UInt32(max(1, options.reconnectDelayMin)),
                                          UInt32(max(1, options.reconnectDelayMax)), true)
        Self.installCallbacks(handle)
        if let will {
            let rc = will.payload.withUnsafeBytes { bytes in
                mosquitto_will_set_v5(handle, will.topic, Int32(bytes.count), bytes.baseAddress, 1, true, nil)
            }
            try MosquittoHandle.check(rc, "set the last will on \(will.topic)")
        }
    }

    deinit {
        disconnect()
        mosquitto_destroy(handle)
        Unmanaged.passUnretained(state).release()
    }

    /// Whether the connection is up and its subscriptions are acknowledged.
    public var isConnected: Bool { state.isReady }

    /// Messages dropped because nobody took them and the inbox was full.
    public var droppedMessages: Int { state.droppedMessages }

    /// Connects and waits (at most `timeout` seconds) for the CONNACK and the acknowledgement of every subscription;
    /// throws naming the broker's reason (bad credentials, a refused filter). Reconnects by itself afterwards.
    public func connect(timeout: Double = 10) throws(MQTTError) {
        state.expectConnack()
        var properties: OpaquePointer?
        defer { mosquitto_property_free_all(&properties) }
        if sessionExpirySeconds > 0 {
            _ = mosquitto_property_add_int32(&properties, Int32(MQTT_PROP_SESSION_EXPIRY_INTERVAL.rawValue), sessionExpirySeconds)
        }
        try MosquittoHandle.check(mosquitto_connect_bind_v5(handle, options.host, Int32(options.port),
                                                            Int32(options.keepAliveSeconds), nil, properties),
                                  "connect to \(options.host):\(options.port)")
        try networkThread.start(handle)
        let outcome = state.waitUntilReady(until: Date().addingTimeInterval(timeout))
        if outcome.ready { return }
        disconnect()
        switch outcome.code {
        case 0?:
            throw MQTTError(code: Int32(MOSQ_ERR_ACL_DENIED.rawValue),
                            message: outcome.refused.isEmpty
                                ? "no SUBACK from \(options.host):\(options.port) within \(timeout) s"
                                : "\(options.host):\(options.port) refused the subscription to \(outcome.refused.joined(separator: ", "))")
        case let code:
            throw MosquittoHandle.connectFailure(host: options.host, port: options.port, refusal: code.map(Self.describeReason),
                                                 timeout: timeout, disconnectReason: outcome.disconnectReason)
        }
    }

    /// Publishes one message with `properties` and returns its message id without waiting for the broker.
    @discardableResult
    public func publish(topic: String, payload: [UInt8], qos: Int, retain: Bool = false,
                        properties: MQTT5Properties = MQTT5Properties()) throws(MQTTError) -> Int32 {
        let messageID = try send(topic: topic, payload: payload, qos: qos, retain: retain, properties: properties)
        state.ignorePublish(messageID: messageID)
        return messageID
    }

    /// Publishes one QoS 1 message and waits (at most `timeout` seconds) for the broker's PUBACK; returns its reason
    /// code (0 or 16: accepted; `MQTT5ReasonCode.notAuthorized`: the ACL refused it). Throws when none came.
    public func publishAndWait(topic: String, payload: [UInt8], properties: MQTT5Properties = MQTT5Properties(),
                               timeout: Double = 10, retain: Bool = false) throws(MQTTError) -> Int32 {
        let messageID = try send(topic: topic, payload: payload, qos: 1, retain: retain, properties: properties)
        guard let code = state.waitForPublish(messageID: messageID, until: Date().addingTimeInterval(timeout)) else {
            state.ignorePublish(messageID: messageID)
            throw MQTTError(code: Int32(MOSQ_ERR_NO_CONN.rawValue),
                            message: "no acknowledgement from \(options.host):\(options.port) for \(topic) within \(timeout) s")
        }
        return code
    }

    /// The next received message, waiting at most `timeout` seconds; nil when none came.
    public func nextMessage(timeout: Double) -> MQTT5Message? {
        state.nextMessage(until: Date().addingTimeInterval(timeout))
    }

    /// Disconnects cleanly and stops the network thread.
    public func disconnect() {
        networkThread.stop(handle)
    }

    /// libmosquitto's text for an MQTT 5 reason code ("Not authorized").
    public static func describeReason(_ code: Int32) -> String {
        String(cString: mosquitto_reason_string(code))
    }

    /// Hands one message to libmosquitto with its properties; returns the message id.
    private func send(topic: String, payload: [UInt8], qos: Int, retain: Bool,
                      properties: MQTT5Properties) throws(MQTTError) -> Int32 {
        var list: OpaquePointer?
        defer { mosquitto_property_free_all(&list) }
        if let topic = properties.responseTopic {
            _ = mosquitto_property_add_string(&list, Int32(MQTT_PROP_RESPONSE_TOPIC.rawValue), topic)
        }
        if let data = properties.correlationData {
            _ = data.withUnsafeBytes { bytes in
                mosquitto_property_add_binary(&list, Int32(MQTT_PROP_CORRELATION_DATA.rawValue), bytes.baseAddress,
                                              UInt16(min(bytes.count, Int(UInt16.max))))
            }
        }
        if let expiry = properties.messageExpirySeconds {
            _ = mosquitto_property_add_int32(&list, Int32(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL.rawValue), expiry)
        }
        var messageID: Int32 = 0
        let rc = payload.withUnsafeBytes { bytes in
            mosquitto_publish_v5(handle, &messageID, topic, Int32(bytes.count), bytes.baseAddress, Int32(qos), retain, list)
        }
        try MosquittoHandle.check(rc, "publish to \(topic)")
        return messageID
    }
}
