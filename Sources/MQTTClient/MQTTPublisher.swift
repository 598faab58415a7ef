import CMosquitto
import Foundation

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
    /// Guards everything below; signalled on CONNACK, acknowledgements and disconnects.
    private let condition = NSCondition()
    /// `publish` calls between taking a window slot and learning their message id.
    private var reservedSlots = 0
    /// Message ids of QoS > 0 messages waiting for their acknowledgement.
    private var unacknowledged: Set<Int32> = []
    /// Message ids of QoS 0 messages waiting to be written.
    private var unwritten: Set<Int32> = []
    /// Ids reported by `on_publish` before `publish` registered them.
    private var completedEarly: Set<Int32> = []
    private var connackCode: Int32?
    private var lastDisconnectReason: String?
    private var networkThreadRunning = false

    /// Creates a publisher (does not connect).
    public init(options: MQTTOptions, maxInFlight: Int = 1000) throws(MQTTError) {
        self.options = options
        self.maxInFlight = max(1, min(maxInFlight, 65535))
        self.handle = try MosquittoHandle.make(options: options)
        mosquitto_user_data_set(handle, Unmanaged.passUnretained(self).toOpaque())
        _ = mosquitto_int_option(handle, MOSQ_OPT_SEND_MAXIMUM, Int32(self.maxInFlight))
        _ = mosquitto_reconnect_delay_set(handle, UInt32(max(1, options.reconnectDelayMin)),
                                          UInt32(max(1, options.reconnectDelayMax)), true)
        installCallbacks()
    }

    deinit {
        disconnect()
        mosquitto_destroy(handle)
    }

    /// Connects and waits for the broker's CONNACK (at most `timeout` seconds).
    public func connect(timeout: Double = 10) throws(MQTTError) {
        condition.withLock {
            connackCode = nil
            lastDisconnectReason = nil
        }
        try MosquittoHandle.check(mosquitto_connect(handle, options.host, Int32(options.port), Int32(options.keepAliveSeconds)),
                                  "connect to \(options.host):\(options.port)")
        if !networkThreadRunning {
            try MosquittoHandle.check(mosquitto_loop_start(handle), "start network thread")
            networkThreadRunning = true
        }
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while connackCode == nil, condition.wait(until: deadline) {}
        switch connackCode {
        case 0?: return
        case let code?: throw MQTTError(code: Int32(MOSQ_ERR_CONN_REFUSED.rawValue), message: MosquittoHandle.describeConnack(code))
        case nil:
            throw MQTTError(code: Int32(MOSQ_ERR_NO_CONN.rawValue),
                            message: "no CONNACK from \(options.host):\(options.port) within \(timeout) s" + (lastDisconnectReason.map { " (\($0))" } ?? ""))
        }
    }

    /// Publishes one message; waits while the in-flight window is full (at most 60 s, then throws).
    public func publish(topic: String, payload: [UInt8], qos: Int, retain: Bool = false) throws(MQTTError) {
        let deadline = Date().addingTimeInterval(60)
        condition.lock()
        while outstanding >= maxInFlight {
            guard condition.wait(until: deadline) else {
                condition.unlock()
                throw MQTTError(code: Int32(MOSQ_ERR_NO_CONN.rawValue), message: "no acknowledgements from the broker for 60 s")
            }
        }
        reservedSlots += 1
        condition.unlock()
        // Not under our lock: the network thread takes it inside callbacks while holding libmosquitto's locks.
        var messageID: Int32 = 0
        let rc = payload.withUnsafeBytes { bytes in
            mosquitto_publish(handle, &messageID, topic, Int32(bytes.count), bytes.baseAddress, Int32(qos), retain)
        }
        // QoS > 0 messages are queued even while disconnected and sent after libmosquitto reconnects.
        let queued = rc == Int32(MOSQ_ERR_SUCCESS.rawValue) || (qos > 0 && rc == Int32(MOSQ_ERR_NO_CONN.rawValue))
        update { publisher in
            publisher.reservedSlots -= 1
            guard queued, publisher.completedEarly.remove(messageID) == nil else { return }
            if qos > 0 { publisher.unacknowledged.insert(messageID) } else { publisher.unwritten.insert(messageID) }
        }
        if !queued { try MosquittoHandle.check(rc, "publish to \(topic)") }
    }

    /// Waits until every message published so far is acknowledged (QoS > 0) or written (QoS 0),
    /// at most `timeout` seconds.
    public func flush(timeout: Double = 30) throws(MQTTError) {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while outstanding > 0 {
            guard condition.wait(until: deadline) else {
                throw MQTTError(code: -1, message: "\(outstanding) messages still unacknowledged after \(timeout) s")
            }
        }
    }

    /// Disconnects cleanly and stops the network thread.
    public func disconnect() {
        guard networkThreadRunning else { return }
        _ = mosquitto_disconnect(handle)
        _ = mosquitto_loop_stop(handle, false)
        networkThreadRunning = false
    }

    /// The publisher behind a callback's userdata pointer.
    private static func owner(_ userdata: UnsafeMutableRawPointer?) -> MQTTPublisher? {
        guard let userdata else { return nil }
        return Unmanaged<MQTTPublisher>.fromOpaque(userdata).takeUnretainedValue()
    }

    private func installCallbacks() {
        mosquitto_connect_callback_set(handle) { _, userdata, rc in
            MQTTPublisher.owner(userdata)?.update { $0.connackCode = rc }
        }
        mosquitto_disconnect_callback_set(handle) { _, userdata, rc in
            MQTTPublisher.owner(userdata)?.update { publisher in
                publisher.lastDisconnectReason = MosquittoHandle.describe(rc)
                // Unwritten QoS 0 messages are discarded by libmosquitto when it reconnects.
                publisher.unwritten.removeAll()
            }
        }
        mosquitto_publish_callback_set(handle) { _, userdata, messageID in
            // libmosquitto reports QoS 0 messages when written and QoS 1/2 ones when acknowledged.
            MQTTPublisher.owner(userdata)?.update { publisher in
                if publisher.unacknowledged.remove(messageID) == nil, publisher.unwritten.remove(messageID) == nil {
                    publisher.completedEarly.insert(messageID)
                }
            }
        }
    }

    /// Messages taking a window slot (call with the lock held).
    private var outstanding: Int { reservedSlots + unacknowledged.count + unwritten.count }

    /// Changes the shared state under the lock and wakes every waiter.
    private func update(_ change: (MQTTPublisher) -> Void) {
        condition.lock()
        change(self)
        condition.broadcast()
        condition.unlock()
    }
}
