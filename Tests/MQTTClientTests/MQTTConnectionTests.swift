import Foundation
import LookoutTestSupport
import MQTTClient
import Testing

@Suite(.serialized) struct MQTTConnectionTests {
    @Test func receivesQoS1MessagesInBatchesAndTicks() throws {
        let broker = try MosquittoBroker()
        let connection = try MQTTConnection(options: testOptions(port: broker.port))
        connection.maxBatchSize = 100
        let runner = ConnectionRunner(connection)
        #expect(runner.consumer.wait { $0.connects.count == 1 })

        try publishAll(port: broker.port, count: 2000)
        #expect(runner.consumer.wait { $0.messages.count >= 2000 })
        // Ticks go on beside the batches (waited for: the batches alone may take less than one interval).
        #expect(runner.consumer.wait { $0.ticks > 0 })
        #expect(runner.stop())

        let consumer = runner.consumer
        #expect(consumer.payloads == (0..<2000).map { "m\($0)" })
        #expect(consumer.messages.allSatisfy { $0.topic == "test/a" && $0.qos == 1 && !$0.retained })
        #expect(consumer.batches.allSatisfy { !$0.isEmpty && $0.count <= 100 })
        #expect(consumer.ticks > 0)
        #expect(consumer.connects == [false])
        #expect(consumer.disconnects == ["stopped"])
        #expect(runner.error == nil)
    }

    @Test func publishRoundTripThroughTheBroker() throws {
        let broker = try MosquittoBroker()
        let connection = try MQTTConnection(options: testOptions(port: broker.port))
        let runner = ConnectionRunner(connection, filters: ["test/echo/#", "test/other"])
        #expect(runner.consumer.wait { $0.connects.count == 1 })

        try connection.publish(topic: "test/echo/1", payload: Array("hello".utf8), qos: 1)
        try connection.publish(topic: "test/other", payload: [0, 255, 7], qos: 0)
        try connection.publish(topic: "test/echo/retained", payload: Array("kept".utf8), qos: 1, retain: true)
        #expect(runner.consumer.wait { $0.messages.count >= 3 })
        let messages = runner.consumer.messages.sorted { $0.topic < $1.topic }
        #expect(messages.map(\.topic) == ["test/echo/1", "test/echo/retained", "test/other"])
        #expect(messages.map(\.payload) == [Array("hello".utf8), Array("kept".utf8), [0, 255, 7]])
        #expect(runner.stop())

        // A new subscriber sees the retained message flagged as retained.
        let late = ConnectionRunner(try MQTTConnection(options: testOptions(port: broker.port, clientID: "late")), filters: ["test/echo/#"])
        #expect(late.consumer.wait { !$0.messages.isEmpty })
        let retained = try #require(late.consumer.messages.first)
        #expect(retained.packetID > 0)
        #expect(retained == MQTTMessage(topic: "test/echo/retained", payload: Array("kept".utf8), qos: 1, retained: true,
                                        packetID: retained.packetID))
        #expect(late.stop())
    }

    @Test func failedCommitMakesTheBrokerRedeliver() throws {
        let broker = try MosquittoBroker()
        let connection = try MQTTConnection(options: testOptions(port: broker.port))
        let consumer = RecordingConsumer()
        let runner = ConnectionRunner(connection, consumer: consumer)
        #expect(consumer.wait { $0.connects.count == 1 })

        // Two failed commits in a row: if a queued acknowledgement leaked (on the old socket or after the
        // reconnect) the broker would not deliver the messages a third time.
        consumer.failNextBatches(2)
        try publishAll(port: broker.port, count: 50)
        #expect(consumer.wait { Set($0.payloads).count == 50 })
        #expect(consumer.failedBatches.count == 2)
        #expect(Set(consumer.payloads) == Set((0..<50).map { "m\($0)" }))
        // Redelivered messages arrive right after CONNACK, before the SUBACK: a connection that fails its
        // first batch may never be reported as connected, so only the last one is certain.
        #expect(consumer.wait { $0.connects.count >= 2 })
        #expect(consumer.disconnects.count == 1)
        #expect(consumer.disconnects.first?.contains("not committed") == true, "\(consumer.disconnects)")
        #expect(runner.stop())
    }

    @Test func committedBatchesAreNotRedelivered() throws {
        let broker = try MosquittoBroker()
        let first = ConnectionRunner(try MQTTConnection(options: testOptions(port: broker.port)))
        #expect(first.consumer.wait { $0.connects.count == 1 })
        try publishAll(port: broker.port, count: 50)
        #expect(first.consumer.wait { $0.messages.count >= 50 })
        #expect(first.stop())
        #expect(broker.waitForLog("Client lookout-test disconnected."))

        // Same client id again: the session is present, and the first message it gets is the marker
        // published now (the broker would resend unacknowledged messages before it).
        try expectOnlyFreshMarker(broker: broker, options: testOptions(port: broker.port), sessionPresent: true)
    }

    @Test func persistentSessionQueuesMessagesWhileStopped() throws {
        let broker = try MosquittoBroker()
        let connection = try MQTTConnection(options: testOptions(port: broker.port))
        try connectOnceAndLeave(connection, broker: broker)

        try publishAll(port: broker.port, count: 300)

        // The same MQTTConnection runs again.
        let second = ConnectionRunner(connection)
        #expect(second.consumer.wait { $0.messages.count >= 300 })
        #expect(second.consumer.payloads == (0..<300).map { "m\($0)" })
        // Queued messages follow the CONNACK at once, so they may be delivered before the SUBACK is in.
        #expect(second.consumer.wait { $0.connects == [true] })
        #expect(second.stop())
    }

    @Test func cleanSessionDoesNotQueue() throws {
        let broker = try MosquittoBroker()
        var options = testOptions(port: broker.port)
        options.cleanSession = true
        let first = ConnectionRunner(try MQTTConnection(options: options))
        #expect(first.consumer.wait { $0.connects.count == 1 })
        #expect(first.stop())
        try publishAll(port: broker.port, count: 10)

        try expectOnlyFreshMarker(broker: broker, options: options, sessionPresent: false)
    }

    @Test func brokerRestartReconnectsAndResubscribes() throws {
        let broker = try MosquittoBroker()
        var options = testOptions(port: broker.port)
        options.cleanSession = true  // nothing kept by the broker: the subscription must be made again
        let runner = ConnectionRunner(try MQTTConnection(options: options))
        let consumer = runner.consumer
        #expect(consumer.wait { $0.connects.count == 1 })

        try broker.restart()
        #expect(consumer.wait { $0.connects.count == 2 })
        #expect(consumer.disconnects.count == 1)

        try publishAll(port: broker.port, prefix: "after", count: 20)
        #expect(consumer.wait { $0.messages.count >= 20 })
        #expect(consumer.payloads == (0..<20).map { "after\($0)" })
        #expect(runner.stop())
        #expect(consumer.disconnects.count == 2)
    }

    @Test func brokerDownForAWhileIsReportedOnceAndTicksGoOn() throws {
        let broker = try MosquittoBroker()
        let runner = ConnectionRunner(try MQTTConnection(options: testOptions(port: broker.port)))
        let consumer = runner.consumer
        #expect(consumer.wait { $0.connects.count == 1 })
        broker.stop()
        #expect(consumer.wait { $0.disconnects.count == 1 })
        // Several failed reconnect attempts (delays 0.1 s to 1 s), ticks continue meanwhile.
        let ticksWhileDown = consumer.ticks
        #expect(consumer.wait { $0.ticks > ticksWhileDown + 20 })
        #expect(consumer.disconnects.count == 1)
        try broker.start()
        #expect(consumer.wait { $0.connects.count == 2 })
        #expect(runner.stop())
    }

    @Test func unreachableBrokerIsReportedWithAReadableReason() throws {
        let port = try FreePort.find()
        let runner = ConnectionRunner(try MQTTConnection(options: testOptions(port: port)))
        #expect(runner.consumer.wait { !$0.disconnects.isEmpty })
        #expect(runner.consumer.disconnects.first?.contains("cannot connect to 127.0.0.1:\(port)") == true,
                "\(runner.consumer.disconnects)")
        #expect(runner.stop())
        #expect(runner.consumer.connects.isEmpty)
    }

    @Test func qos1PublishedBeforeRunIsSentOnceConnected() throws {
        let broker = try MosquittoBroker()
        let listener = ConnectionRunner(try MQTTConnection(options: testOptions(port: broker.port, clientID: "listener")))
        #expect(listener.consumer.wait { $0.connects.count == 1 })

        let early = try MQTTConnection(options: testOptions(port: broker.port, clientID: "early"))
        try early.publish(topic: "test/early", payload: Array("queued".utf8), qos: 1)
        let runner = ConnectionRunner(early, filters: ["unrelated/#"])
        #expect(listener.consumer.wait { $0.payloads == ["queued"] })
        #expect(runner.stop())
        #expect(listener.stop())
    }

    @Test func oneRunAtATime() throws {
        let broker = try MosquittoBroker()
        let connection = try MQTTConnection(options: testOptions(port: broker.port))
        let runner = ConnectionRunner(connection)
        #expect(runner.consumer.wait { $0.connects.count == 1 })
        #expect(throws: MQTTError.self) {
            try connection.run(subscriptions: [(filter: "test/#", qos: 1)], consumer: RecordingConsumer())
        }
        #expect(runner.stop())
        #expect(runner.error == nil)
    }

    @Test func invalidSubscriptionIsASettingsError() throws {
        let connection = try MQTTConnection(options: testOptions(port: 1883))
        // Stopped beforehand: a filter that slipped through makes run return at once (and the test fail), not hang.
        for invalid in [(filter: "", qos: 1), (filter: "a/#/b", qos: 1), (filter: "a/b+", qos: 1), (filter: "a/b", qos: 3)] {
            connection.stop()
            #expect(throws: MQTTError.self) {
                try connection.run(subscriptions: [invalid], consumer: RecordingConsumer())
            }
        }
    }
}

@Suite(.serialized) struct MQTTUnresponsiveBrokerTests {
    /// A listener whose accept queue is full: further TCP handshakes get no answer at all.
    final class SilentListener {
        let port: Int
        private let listener: Int32
        private let filler: Int32

        init() throws {
            port = try FreePort.find()
            listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = FreePort.loopback(port: port)
            let length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
            _ = listen(listener, 0)
            // Fills the queue (never accepted).
            _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(filler, $0, length) } }
        }

        deinit {
            close(filler)
            close(listener)
        }
    }

    @Test func ticksContinueWhileTheBrokerDoesNotAnswer() throws {
        let silent = try SilentListener()
        var options = testOptions(port: silent.port)
        options.keepAliveSeconds = 5
        let runner = ConnectionRunner(try MQTTConnection(options: options))
        // Ticks every 0.05 s keep coming while the handshake hangs (a blocking connect would stop them).
        #expect(runner.consumer.wait { $0.ticks >= 20 })
        // No CONNACK within the keepalive: reported as a loss.
        #expect(runner.consumer.wait { !$0.disconnects.isEmpty })
        #expect(runner.stop())
        #expect(runner.consumer.connects.isEmpty)
        #expect(runner.consumer.disconnects.first?.contains("cannot connect to 127.0.0.1:\(silent.port)") == true,
                "\(runner.consumer.disconnects)")
    }
}

/// A consumer that holds its first batch until released, to look at the broker while a batch is uncommitted.
final class BlockingConsumer: MQTTConsumer, @unchecked Sendable {
    let connected = DispatchSemaphore(value: 0)
    let inside = DispatchSemaphore(value: 0)
    let release = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var blocked = false

    func mqttDidConnect(sessionPresent: Bool) { connected.signal() }
    func mqttDidDisconnect(reason: String) {}
    func mqttTick() {}
    func mqttDidReceive(_ batch: [MQTTMessage]) throws {
        let first: Bool = lock.withLock {
            defer { blocked = true }
            return !blocked
        }
        guard first else { return }
        inside.signal()
        _ = release.wait(timeout: .now() + 60)
    }
}

@Suite(.serialized) struct MQTTAcknowledgementTimingTests {
    @Test func noAcknowledgementLeavesWhileTheConsumerIsStillCommitting() throws {
        let broker = try MosquittoBroker()
        let blocking = BlockingConsumer()
        let connection = try MQTTConnection(options: testOptions(port: broker.port))
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            try? connection.run(subscriptions: [(filter: "test/#", qos: 1)], consumer: blocking, tickInterval: 0.05)
            finished.signal()
        }
        #expect(blocking.connected.wait(timeout: .now() + 30) == .success)
        try publishAll(port: broker.port, count: 1)
        #expect(blocking.inside.wait(timeout: .now() + 30) == .success)

        // While the first client sits in mqttDidReceive, a second one takes over its session: the broker
        // hands it every message not yet acknowledged, which must include the one being committed.
        let takeover = ConnectionRunner(try MQTTConnection(options: testOptions(port: broker.port)))
        #expect(takeover.consumer.wait { $0.payloads.contains("m0") })
        #expect(takeover.stop())

        blocking.release.signal()
        connection.stop()
        #expect(finished.wait(timeout: .now() + 30) == .success)
    }

    @Test func persistentSessionSurvivesABrokerRestart() throws {
        let broker = try MosquittoBroker()
        let connection = try MQTTConnection(options: testOptions(port: broker.port))
        try connectOnceAndLeave(connection, broker: broker)
        try publishAll(port: broker.port, count: 100)

        try broker.restart()  // mosquitto saves its persistence file on SIGTERM and loads it on start

        let second = ConnectionRunner(connection)
        #expect(second.consumer.wait { $0.messages.count >= 100 })
        #expect(second.consumer.payloads == (0..<100).map { "m\($0)" })
        #expect(second.stop())
    }
}

/// Connects a new client with `options`, publishes one marker, and expects the marker to be the first
/// message it gets (nothing older was delivered) and the broker to report `sessionPresent`.
private func expectOnlyFreshMarker(broker: MosquittoBroker, options: MQTTOptions, sessionPresent: Bool,
                                   sourceLocation: SourceLocation = #_sourceLocation) throws {
    let runner = ConnectionRunner(try MQTTConnection(options: options))
    #expect(runner.consumer.wait { $0.connects.count == 1 }, sourceLocation: sourceLocation)
    try publishAll(port: broker.port, prefix: "marker", count: 1)
    #expect(runner.consumer.wait { !$0.messages.isEmpty }, sourceLocation: sourceLocation)
    #expect(runner.consumer.payloads == ["marker0"], sourceLocation: sourceLocation)
    #expect(runner.consumer.connects == [sessionPresent], sourceLocation: sourceLocation)
    #expect(runner.stop(), sourceLocation: sourceLocation)
}

/// Runs `connection` until it is connected (and subscribed), stops it and waits until the broker saw
/// it leave: the broker now keeps the persistent session and queues QoS 1 messages for it.
private func connectOnceAndLeave(_ connection: MQTTConnection, broker: MosquittoBroker,
                                 sourceLocation: SourceLocation = #_sourceLocation) throws {
    let runner = ConnectionRunner(connection)
    #expect(runner.consumer.wait { $0.connects.count == 1 }, sourceLocation: sourceLocation)
    #expect(runner.stop(), sourceLocation: sourceLocation)
    #expect(broker.waitForLog("Client lookout-test disconnected."), sourceLocation: sourceLocation)
}
