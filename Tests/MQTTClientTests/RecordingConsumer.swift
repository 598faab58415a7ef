import Foundation
import LookoutTestSupport
import MQTTClient

/// A consumer that records everything the connection tells it, and can be told to fail batches.
final class RecordingConsumer: MQTTConsumer, @unchecked Sendable {
    /// A commit failure, as a store would throw on a full disk.
    struct CommitFailed: Error {}

    private let condition = NSCondition()
    private var _batches: [[MQTTMessage]] = []
    private var _connects: [Bool] = []
    private var _disconnects: [String] = []
    private var _ticks = 0
    private var batchesToFail = 0
    private var _failedBatches: [[MQTTMessage]] = []

    /// Makes the next `count` batches throw instead of committing.
    func failNextBatches(_ count: Int) { condition.withLock { batchesToFail = count } }

    /// Committed batches.
    var batches: [[MQTTMessage]] { condition.withLock { _batches } }
    /// Committed messages in order.
    var messages: [MQTTMessage] { batches.flatMap { $0 } }
    /// Payloads of committed messages as strings.
    var payloads: [String] { messages.map { String(decoding: $0.payload, as: UTF8.self) } }
    /// Batches that were refused.
    var failedBatches: [[MQTTMessage]] { condition.withLock { _failedBatches } }
    /// sessionPresent of every mqttDidConnect.
    var connects: [Bool] { condition.withLock { _connects } }
    /// Reasons of every mqttDidDisconnect.
    var disconnects: [String] { condition.withLock { _disconnects } }
    /// Number of ticks.
    var ticks: Int { condition.withLock { _ticks } }

    func mqttDidConnect(sessionPresent: Bool) { record { $0._connects.append(sessionPresent) } }
    func mqttDidDisconnect(reason: String) { record { $0._disconnects.append(reason) } }
    func mqttTick() { record { $0._ticks += 1 } }

    func mqttDidReceive(_ batch: [MQTTMessage]) throws {
        let fail: Bool = condition.withLock {
            guard batchesToFail > 0 else { return false }
            batchesToFail -= 1
            return true
        }
        if fail {
            record { $0._failedBatches.append(batch) }
            throw CommitFailed()
        }
        record { $0._batches.append(batch) }
    }

    /// Waits (at most `timeout` seconds, a bound against hanging, not a performance threshold) until
    /// `predicate` holds; returns whether it did.
    @discardableResult
    func wait(timeout: Double = 30, until predicate: (RecordingConsumer) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !predicate(self) {
            if Date() > deadline { return false }
            condition.lock()
            _ = condition.wait(until: min(deadline, Date().addingTimeInterval(0.05)))
            condition.unlock()
        }
        return true
    }

    private func record(_ change: (RecordingConsumer) -> Void) {
        condition.lock()
        change(self)
        condition.broadcast()
        condition.unlock()
    }
}

/// Runs `MQTTConnection.run` on its own thread until `stop()`.
final class ConnectionRunner: @unchecked Sendable {
    let connection: MQTTConnection
    let consumer: RecordingConsumer
    private let finished = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var _error: MQTTError?

    /// Starts `connection.run` subscribed to `filters` at QoS 1.
    init(_ connection: MQTTConnection, consumer: RecordingConsumer = RecordingConsumer(), filters: [String] = ["test/#"],
         tickInterval: Double = 0.05) {
        self.connection = connection
        self.consumer = consumer
        let subscriptions = filters.map { (filter: $0, qos: 1) }
        Thread.detachNewThread { [self] in
            do throws(MQTTError) {
                try connection.run(subscriptions: subscriptions, consumer: consumer, tickInterval: tickInterval)
            } catch {
                lock.withLock { _error = error }
            }
            finished.signal()
        }
    }

    /// The error `run` threw, if any.
    var error: MQTTError? { lock.withLock { _error } }

    /// Stops the connection and waits for `run` to return; returns whether it did (within 30 s).
    @discardableResult
    func stop() -> Bool {
        connection.stop()
        return finished.wait(timeout: .now() + 30) == .success
    }
}

/// Options for a test broker on 127.0.0.1:`port`, with fast reconnects.
func testOptions(port: Int, clientID: String = "lookout-test") -> MQTTOptions {
    var options = MQTTOptions()
    options.port = port
    options.clientID = clientID
    options.reconnectDelayMin = 0.1
    options.reconnectDelayMax = 1
    return options
}

/// Publishes `count` QoS 1 messages `prefix0…` to `topic` with a fresh publisher and waits for all acknowledgements.
func publishAll(port: Int, topic: String = "test/a", prefix: String = "m", count: Int, qos: Int = 1,
                tls: TestCertificates? = nil) throws {
    var options = testOptions(port: port, clientID: "publisher-\(UUID().uuidString.prefix(6))")
    options.tls = tls.map { TLSOptions(caFile: $0.caFile) }
    try publishNumbered(with: try MQTTPublisher(options: options), topic: topic, prefix: prefix, count: count) { _ in qos }
}

/// Connects `publisher`, publishes `prefix0…prefix<count-1>` to `topic` (message `index` at QoS `qos(index)`),
/// waits up to `flushTimeout` seconds for every acknowledgement and disconnects.
func publishNumbered(with publisher: MQTTPublisher, topic: String, prefix: String, count: Int, flushTimeout: Double = 30,
                     qos: (Int) -> Int = { _ in 1 }) throws {
    try publisher.connect()
    for index in 0..<count {
        try publisher.publish(topic: topic, payload: Array("\(prefix)\(index)".utf8), qos: qos(index))
    }
    try publisher.flush(timeout: flushTimeout)
    publisher.disconnect()
}
