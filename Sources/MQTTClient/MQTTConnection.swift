import CMosquitto
import FoundationEssentials
import Vocabulary

/// One libmosquitto client handle, driven by `run` on the caller's thread.
///
/// Delivery design: the handle runs in libmosquitto's threaded mode with our own poll loop, so QoS 1
/// acknowledgements queued while reading are written only after the consumer has committed the batch.
public final class MQTTConnection: @unchecked Sendable {
    /// Settings.
    public let options: MQTTOptions

    /// Most messages handed to the consumer in one batch. Set before `run`.
    public var maxBatchSize = 2000
    /// Longest time in seconds spent reading one batch before it is handed over. Set before `run`.
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

    /// Guards the stop request, the running mark and the last library log line.
    private let stateLock = ThreadLock()
    private var stopFlag = false
    private var running = false
    /// libmosquitto's last error or warning log line (e.g. the OpenSSL error). Locked: libmosquitto may
    /// log from `publish` on another thread.
    private var lastLibraryLog: String?

    /// Creates a client (does not connect).
    public init(options: MQTTOptions) throws(MQTTError) {
        self.options = options
        self.wakePipe = try WakePipe()
        self.handle = try MosquittoHandle.make(options: options)
        mosquitto_user_data_set(handle, Unmanaged.passUnretained(self).toOpaque())
        // Threaded mode: packets are only queued by reads and publishes; the run loop decides when they
        // are written. (Fails only for a null handle.)
        _ = mosquitto_threaded_set(handle, true)
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

    /// Asks `run` to return after the current batch; safe from any thread (not from a signal handler:
    /// call it from a `DispatchSource` signal source).
    public func stop() {
        stateLock.withLock { stopFlag = true }
        wakePipe.wake()
    }

    /// Whether `stop()` was called since `run` last returned.
    var stopRequested: Bool { stateLock.withLock { stopFlag } }

    /// Keeps libmosquitto's latest error or warning log line; any thread.
    func recordLibraryLog(_ line: String) { stateLock.withLock { lastLibraryLog = line } }

    /// Takes (and clears) the latest error or warning log line.
    func takeLibraryLog() -> String? {
        stateLock.withLock {
            defer { lastLibraryLog = nil }
            return lastLibraryLog
        }
    }

    /// Marks the connection as running; false if it already is (one `run` at a time).
    func beginRun() -> Bool {
        stateLock.withLock {
            guard !running else { return false }
            running = true
            return true
        }
    }

    /// Clears the stop request and the running mark when `run` returns, so the connection can run again.
    func endRun() {
        stateLock.withLock {
            stopFlag = false
            running = false
        }
    }
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
}
