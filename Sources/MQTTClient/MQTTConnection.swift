import CMosquitto
import Foundation

/// One libmosquitto client handle, driven by `run` on the caller's thread.
///
/// Delivery design: the handle runs in libmosquitto's threaded mode with our own poll loop, so QoS 1
/// acknowledgements queued while reading are written only after the consumer has committed the batch.
public final class MQTTConnection: @unchecked Sendable {
    /// Settings.
    public let options: MQTTOptions

    /// Most messages handed to the consumer in one batch.
    public var maxBatchSize = 2000
    /// Longest time in seconds spent reading one batch before it is handed over.
    public var maxBatchReadTime = 0.01

    /// The libmosquitto handle; used by `run`'s thread, plus `mosquitto_publish` (thread-safe in threaded mode).
    let handle: OpaquePointer
    /// Wakes `run`'s poll for `publish` and `stop`.
    let wakePipe: WakePipe
    /// What the callbacks gathered on the current connection (the batch: since the last hand-over);
    /// touched only on `run`'s thread.
    var pass = ReadPass()
    /// Subscriptions requested again on every connect; set by `run`.
    var subscriptions: [(filter: String, qos: Int)] = []

    private let stopLock = NSLock()
    private var stopFlag = false

    /// Creates a client (does not connect).
    public init(options: MQTTOptions) throws(MQTTError) {
        self.options = options
        self.wakePipe = try WakePipe()
        self.handle = try MosquittoHandle.make(options: options)
        mosquitto_user_data_set(handle, Unmanaged.passUnretained(self).toOpaque())
        do {
            try MosquittoHandle.check(mosquitto_threaded_set(handle, true), "enable threaded mode")
        } catch {
            mosquitto_destroy(handle)
            throw error
        }
        installCallbacks()
    }

    deinit {
        mosquitto_destroy(handle)
    }

    /// Publishes a message. Safe from any thread. QoS > 0 messages published while disconnected are
    /// kept in memory by libmosquitto and sent after reconnect.
    public func publish(topic: String, payload: [UInt8], qos: Int, retain: Bool = false) throws(MQTTError) {
        let rc = payload.withUnsafeBytes { bytes in
            mosquitto_publish(handle, nil, topic, Int32(bytes.count), bytes.baseAddress, Int32(qos), retain)
        }
        // QoS > 0: libmosquitto queues the message even when it reports "no connection".
        if !(qos > 0 && rc == Int32(MOSQ_ERR_NO_CONN.rawValue)) {
            try MosquittoHandle.check(rc, "publish to \(topic)")
        }
        wakePipe.wake()
    }

    /// Asks `run` to return after the current batch; safe from any thread.
    public func stop() {
        stopLock.withLock { stopFlag = true }
        wakePipe.wake()
    }

    /// Whether `stop()` was called since `run` last returned.
    var stopRequested: Bool { stopLock.withLock { stopFlag } }

    /// Clears the stop request when `run` returns, so the connection can run again.
    func clearStopRequest() { stopLock.withLock { stopFlag = false } }
}

/// What the libmosquitto callbacks report on one connection, handled by the loop after each read pass so
/// the consumer is never called from inside libmosquitto.
struct ReadPass {
    /// Messages read (copies).
    var batch: [MQTTMessage] = []
    /// CONNACK accepted in this pass; `sessionPresent` is valid.
    var connackAccepted = false
    /// The broker's session-present flag from the last CONNACK.
    var sessionPresent = false
    /// SUBSCRIBE message ids still waiting for their SUBACK, with their filters.
    var pendingSubscriptions: [Int32: String] = [:]
    /// Every subscription of this connection is acknowledged.
    var subscribed = false
    /// Why the connection failed or ended, as reported by libmosquitto (first reason wins).
    var failure: String?
    /// libmosquitto's last error or warning log line on this connection (e.g. the OpenSSL error).
    var libraryLog: String?
}
