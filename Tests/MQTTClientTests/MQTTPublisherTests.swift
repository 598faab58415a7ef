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
        try publisher.connect()
        for index in 0..<20_000 {
            try publisher.publish(topic: "test/bulk", payload: Array("b\(index)".utf8), qos: 1)
        }
        try publisher.flush(timeout: 120)
        publisher.disconnect()

        #expect(runner.consumer.wait(timeout: 120) { $0.messages.count >= 20_000 })
        #expect(runner.consumer.payloads == (0..<20_000).map { "b\($0)" })
        #expect(runner.stop())
    }

    @Test func qos0MessagesAndATinyWindow() throws {
        let broker = try MosquittoBroker()
        let runner = ConnectionRunner(try MQTTConnection(options: testOptions(port: broker.port)))
        #expect(runner.consumer.wait { $0.connects.count == 1 })

        let publisher = try MQTTPublisher(options: testOptions(port: broker.port, clientID: "tiny"), maxInFlight: 2)
        try publisher.connect()
        for index in 0..<500 {
            try publisher.publish(topic: "test/tiny", payload: Array("q\(index)".utf8), qos: index % 2)
        }
        try publisher.flush()
        publisher.disconnect()
        #expect(runner.consumer.wait { $0.messages.count >= 500 })
        #expect(Set(runner.consumer.payloads) == Set((0..<500).map { "q\($0)" }))
        #expect(runner.stop())
    }

    @Test func connectToNothingFails() throws {
        let publisher = try MQTTPublisher(options: testOptions(port: try FreePort.find(), clientID: "nowhere"))
        #expect(throws: MQTTError.self) { try publisher.connect(timeout: 5) }
    }
}
