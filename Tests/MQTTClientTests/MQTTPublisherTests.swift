import Foundation
import LookoutTestSupport
import MQTTClient
import Testing

@Suite(.serialized) struct MQTTPublisherTests {
    @Test func flushWaitsForEveryQoS1Acknowledgement() throws {
        let broker = try MosquittoBroker()
        let runner = ConnectionRunner(try MQTTConnection(options: testOptions(port: broker.port)))
        #expect(runner.consumer.wait { $0.connects.count == 1 })

        let publisher = try MQTTPublisher(options: testOptions(port: broker.port, clientID: "bulk"), maxInFlight: 500)
        try publishNumbered(with: publisher, topic: "test/bulk", prefix: "b", count: 20_000, flushTimeout: 120)

        #expect(runner.consumer.wait(timeout: 120) { $0.messages.count >= 20_000 })
        #expect(runner.consumer.payloads == (0..<20_000).map { "b\($0)" })
        #expect(runner.stop())
    }

    @Test func qos0MessagesAndATinyWindow() throws {
        let broker = try MosquittoBroker()
        let runner = ConnectionRunner(try MQTTConnection(options: testOptions(port: broker.port)))
        #expect(runner.consumer.wait { $0.connects.count == 1 })

        let publisher = try MQTTPublisher(options: testOptions(port: broker.port, clientID: "tiny"), maxInFlight: 2)
        try publishNumbered(with: publisher, topic: "test/tiny", prefix: "q", count: 500) { index in index % 2 }
        #expect(runner.consumer.wait { $0.messages.count >= 500 })
        #expect(Set(runner.consumer.payloads) == Set((0..<500).map { "q\($0)" }))
        #expect(runner.stop())
    }

    @Test func connectToNothingFails() throws {
        let publisher = try MQTTPublisher(options: testOptions(port: try FreePort.find(), clientID: "nowhere"))
        #expect(throws: MQTTError.self) { try publisher.connect(timeout: 5) }
    }
}

@Suite(.serialized) struct MQTTPublisherShutdownTests {
    @Test func qos1PublishedAcrossABrokerRestartIsDelivered() throws {
        let broker = try MosquittoBroker()
        let runner = ConnectionRunner(try MQTTConnection(options: testOptions(port: broker.port)))
        #expect(runner.consumer.wait { $0.connects.count == 1 })
        let publisher = try MQTTPublisher(options: testOptions(port: broker.port, clientID: "steady"))
        try publisher.connect()

        broker.stop()
        for index in 0..<10 {
            try publisher.publish(topic: "test/steady", payload: Array("s\(index)".utf8), qos: 1)
        }
        try broker.start()
        // libmosquitto reconnects by itself and sends what it kept.
        try publisher.flush(timeout: 60)
        publisher.disconnect()
        #expect(runner.consumer.wait { Set($0.payloads).isSuperset(of: (0..<10).map { "s\($0)" }) })
        #expect(runner.stop())
    }

    @Test func disconnectReturnsWhileTheBrokerIsGone() throws {
        let broker = try MosquittoBroker()
        var options = testOptions(port: broker.port, clientID: "orphan")
        // A reconnect delay longer than the 30 s this test waits: disconnect must not sit out libmosquitto's
        // reconnect sleep (in 2.0.11 mosquitto_loop_stop wakes it).
        options.reconnectDelayMin = 120
        options.reconnectDelayMax = 120
        let publisher = try MQTTPublisher(options: options)
        try publisher.connect()
        try publisher.publish(topic: "test/x", payload: [1], qos: 1)
        try publisher.flush()
        broker.stop()
        // QoS 1 while the broker is away: kept for later, so flush cannot finish.
        try publisher.publish(topic: "test/x", payload: [2], qos: 1)
        #expect(throws: MQTTError.self) { try publisher.flush(timeout: 1.5) }

        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            publisher.disconnect()
            finished.signal()
        }
        #expect(finished.wait(timeout: .now() + 30) == .success)
    }
}
