import CMosquitto
import FoundationEssentials
import Vocabulary

/// A publishing client with its own network thread, for the simulator, tests and the event hand-off.
///
/// Keeps at most a bounded number of messages unacknowledged (QoS > 0) or unwritten (QoS 0): `publish`
/// waits when the window is full, so millions of messages can be published in constant memory.
/// libmosquitto reconnects by itself (with `reconnectDelayMin`/`Max`) and resends unacknowledged QoS 1 messages.
public final class MQTTPublisher: @unchecked Sendable {
    /// Settings.
    public let options: MQTTOptions
    /// Most messages published but not yet acknowledged (QoS > 0) or written (QoS 0).
    public let maxInFlight: Int

    private let handle: OpaquePointer
    /// The callbacks' userdata, retained here and released after `mosquitto_destroy`.
    private let window = PublisherWindow()
    private let networkThread = NetworkThread()

    /// Creates a publisher (does not connect). `maxInFlight` bounds unacknowledged messages (1…65535).
    public init(options: MQTTOptions, maxInFlight: Int = 1000) throws(MQTTError) {
        self.options = options
        self.maxInFlight = max(1, min(maxInFlight, 65535))
        self.handle = try MosquittoHandle.make(options: options)
        mosquitto_user_data_set(handle, Unmanaged.passRetained(window).toOpaque())
        _ = mosquitto_int_option(handle, MOSQ_OPT_SEND_MAXIMUM, Int32(self.maxInFlight))
        _ = mosquitto_reconnect_delay_set(handle, UInt32(max(1, options.reconnectDelayMin)),
                                          UInt32(max(1, options.reconnectDelayMax)), true)
        installCallbacks()
    }

    deinit {
        disconnect()
        mosquitto_destroy(handle)
        Unmanaged.passUnretained(window).release()
    }

    /// Connects and waits for the broker's CONNACK (at most `timeout` seconds).
    public func connect(timeout: Double = 10) throws(MQTTError) {
        window.expectConnack()
        try MosquittoHandle.check(mosquitto_connect(handle, options.host, Int32(options.port), Int32(options.keepAliveSeconds)),
                                  "connect to \(options.host):\(options.port)")
        try networkThread.start(handle)
        let outcome = window.waitForConnack(until: Date().addingTimeInterval(timeout))
        if outcome.code == 0 { return }
        disconnect()
        throw MosquittoHandle.connectFailure(host: options.host, port: options.port, refusal: outcome.code.map(MosquittoHandle.describeConnack),
                                             timeout: timeout, disconnectReason: outcome.disconnectReason)
    }

    /// Publishes one message; waits while the in-flight window is full (at most 60 s, then throws).
    public func publish(topic: String, payload: [UInt8], qos: Int, retain: Bool = false) throws(MQTTError) {
        guard window.reserveSlot(limit: maxInFlight, until: Date().addingTimeInterval(60)) else {
            throw MQTTError(code: Int32(MOSQ_ERR_NO_CONN.rawValue), message: "no acknowledgements from the broker for 60 s")
        }
        // Not under the window's lock: the network thread takes it in callbacks while holding libmosquitto's locks.
        var messageID: Int32 = 0
        let rc = payload.withUnsafeBytes { bytes in
            mosquitto_publish(handle, &messageID, topic, Int32(bytes.count), bytes.baseAddress, Int32(qos), retain)
        }
        // QoS > 0 messages are queued even while disconnected and sent after libmosquitto reconnects.
        let queued = rc == Int32(MOSQ_ERR_SUCCESS.rawValue) || (qos > 0 && rc == Int32(MOSQ_ERR_NO_CONN.rawValue))
        window.register(messageID: messageID, qos: qos, queued: queued)
        if !queued { try MosquittoHandle.check(rc, "publish to \(topic)") }
    }

    /// Waits until every message published so far is acknowledged (QoS > 0) or written (QoS 0),
    /// at most `timeout` seconds.
    public func flush(timeout: Double = 30) throws(MQTTError) {
        let left = window.waitUntilEmpty(until: Date().addingTimeInterval(timeout))
        guard left == 0 else {
            throw MQTTError(code: -1, message: "\(left) messages still unacknowledged after \(timeout) s")
        }
    }

    /// Disconnects cleanly and stops the network thread.
    public func disconnect() {
        networkThread.stop(handle)
    }

    /// The window behind a callback's userdata pointer.
    private static func window(_ userdata: UnsafeMutableRawPointer?) -> PublisherWindow? {
        guard let userdata else { return nil }
        return Unmanaged<PublisherWindow>.fromOpaque(userdata).takeUnretainedValue()
    }

    /// Registers the callbacks (closure literals capturing nothing; the window comes via userdata).
    private func installCallbacks() {
        mosquitto_connect_callback_set(handle) { _, userdata, rc in
            MQTTPublisher.window(userdata)?.didConnect(code: rc)
        }
        mosquitto_disconnect_callback_set(handle) { _, userdata, rc in
            MQTTPublisher.window(userdata)?.didDisconnect(reason: MosquittoHandle.describe(rc))
        }
        mosquitto_publish_callback_set(handle) { _, userdata, messageID in
            // libmosquitto reports QoS 0 messages when written and QoS 1/2 ones when acknowledged.
            MQTTPublisher.window(userdata)?.didComplete(messageID: messageID)
        }
    }
}
