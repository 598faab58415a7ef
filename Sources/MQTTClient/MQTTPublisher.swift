import CMosquitto

/// A publishing client with its own network thread, for the simulator, tests and the event hand-off.
///
/// Keeps at most a bounded number of QoS > 0 messages unacknowledged: `publish` waits when the window
/// is full, so millions of messages can be published in constant memory.
public final class MQTTPublisher: @unchecked Sendable {
    /// Settings.
    public let options: MQTTOptions

    /// Creates a publisher (does not connect).
    public init(options: MQTTOptions) throws(MQTTError) {
        self.options = options
    }

    /// Connects and waits for the broker's CONNACK (at most `timeout` seconds).
    public func connect(timeout: Double = 10) throws(MQTTError) {
        throw MQTTError(code: -1, message: "not implemented yet")
    }

    /// Publishes one message; waits while the in-flight window is full.
    public func publish(topic: String, payload: [UInt8], qos: Int, retain: Bool = false) throws(MQTTError) {
        throw MQTTError(code: -1, message: "not implemented yet")
    }

    /// Waits until every QoS > 0 message published so far is acknowledged (at most `timeout` seconds).
    public func flush(timeout: Double = 30) throws(MQTTError) {
        throw MQTTError(code: -1, message: "not implemented yet")
    }

    /// Disconnects cleanly and stops the network thread.
    public func disconnect() {}
}
