import CMosquitto

/// One libmosquitto client handle, driven by `run` on the caller's thread.
///
/// Delivery design: the handle runs in libmosquitto's threaded mode with our own poll loop, so QoS 1
/// acknowledgements queued while reading are written only after the consumer has committed the batch.
public final class MQTTConnection: @unchecked Sendable {
    /// Settings.
    public let options: MQTTOptions

    /// Creates a client (does not connect).
    public init(options: MQTTOptions) throws(MQTTError) {
        self.options = options
    }

    /// Connects, subscribes to `subscriptions` (filter, QoS) on every (re)connect, and delivers batches to
    /// `consumer` until `stop()` is called. Reconnects with backoff when the broker goes away.
    public func run(subscriptions: [(filter: String, qos: Int)], consumer: MQTTConsumer, tickInterval: Double = 0.2) throws(MQTTError) {
        throw MQTTError(code: -1, message: "not implemented yet")
    }

    /// Publishes a message. Safe from any thread. QoS > 0 messages published while disconnected are
    /// kept in memory by libmosquitto and sent after reconnect.
    public func publish(topic: String, payload: [UInt8], qos: Int, retain: Bool = false) throws(MQTTError) {
        throw MQTTError(code: -1, message: "not implemented yet")
    }

    /// Asks `run` to return after the current batch; safe from any thread.
    public func stop() {}
}
