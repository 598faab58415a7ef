import Foundation
import LookoutTestSupport
import MQTTClient
import Synchronization

/// A persistent QoS 1 subscriber to the daemon's hand-off topics, as another system would run it: a fixed
/// client id and clean session off, so the broker keeps its session (and queues its messages) while it is
/// away, across a broker restart too. Runs `MQTTConnection` on its own thread until `stop()` or deinit.
final class HandoffSubscriber {
    /// One hand-off message as received: its topic and the event fields the tests check.
    struct Received: Equatable {
        var topic: String
        var id: String
        var level: String
        var status: String
        var assignee: String
    }

    private let connection: MQTTConnection
    private let recorder = Recorder()

    /// Connects to `broker` with client id `clientID` and subscribes to `filter` at QoS 1.
    init(broker: MosquittoBroker, clientID: String, filter: String = "lookout/events/#") throws {
        var options = MQTTOptions()
        options.port = broker.port
        options.clientID = clientID
        options.cleanSession = false
        options.reconnectDelayMin = 0.2
        options.reconnectDelayMax = 1
        let connection = try MQTTConnection(options: options)
        self.connection = connection
        let recorder = recorder
        let thread = Thread {
            try? connection.run(subscriptions: [(filter: filter, qos: 1)], consumer: recorder)
            recorder.finished.store(true, ordering: .sequentiallyConsistent)
        }
        thread.start()
    }

    deinit { stop() }

    /// Stops the connection and waits until its thread has returned.
    func stop() {
        connection.stop()
        while !recorder.finished.load(ordering: .sequentiallyConsistent) { usleep(10_000) }
    }

    /// Connections made so far, each one with its subscription acknowledged.
    var connectionCount: Int { recorder.connects.load(ordering: .sequentiallyConsistent) }

    /// Every hand-off message received so far, in order.
    var messages: [Received] { recorder.received.withLock { $0 } }

    /// Every payload received so far, as text, in order.
    var payloadTexts: [String] { recorder.texts.withLock { $0 } }

    /// Payloads that were not an event snapshot (reported by the test).
    var undecodablePayloads: [String] { recorder.undecodable.withLock { $0 } }

    /// The statuses received for event `id`, in order (repeats kept: delivery is at least once).
    func statuses(of id: String) -> [String] { messages.filter { $0.id == id }.map(\.status) }

    /// Collects what the connection delivers; the connection's thread writes, the test reads.
    private final class Recorder: MQTTConsumer, Sendable {
        /// The event fields read from a hand-off payload (the event's JSON snapshot).
        private struct Snapshot: Decodable {
            var id: String
            var level: String
            var status: String
            var assignee: String
        }

        let received = Mutex<[Received]>([])
        /// Connections made (each one subscribed).
        let connects = Atomic<Int>(0)
        /// Set when `run` has returned.
        let finished = Atomic<Bool>(false)
        let undecodable = Mutex<[String]>([])
        let texts = Mutex<[String]>([])

        func mqttDidConnect(sessionPresent: Bool) { connects.add(1, ordering: .sequentiallyConsistent) }
        func mqttDidDisconnect(reason: String) {}
        func mqttTick() {}

        func mqttDidReceive(_ batch: [MQTTMessage]) throws {
            for message in batch {
                texts.withLock { $0.append(String(decoding: message.payload, as: UTF8.self)) }
                if let snapshot = try? JSONDecoder().decode(Snapshot.self, from: Data(message.payload)) {
                    let entry = Received(topic: message.topic, id: snapshot.id, level: snapshot.level,
                                         status: snapshot.status, assignee: snapshot.assignee)
                    received.withLock { $0.append(entry) }
                } else {
                    let text = String(decoding: message.payload, as: UTF8.self)
                    undecodable.withLock { $0.append(text) }
                }
            }
        }
    }
}
