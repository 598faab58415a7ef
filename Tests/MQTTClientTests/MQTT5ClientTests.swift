import Foundation
import LookoutTestSupport
import MQTTClient
import Testing

/// MQTT 5 request/response through a real mosquitto running the shipped ACL (`config/mosquitto.acl`) with a
/// password file: properties travel, and a publish under another user's topic is refused with reason code 135.
@Suite(.serialized) struct MQTT5ClientTests {
    /// A broker with users lookoutd, alice and bob, no anonymous access and the shipped ACL.
    static func aclBroker(users: [String: String] = ["lookoutd": "daemon pw", "alice": "alice pw", "bob": "bob pw"]) throws
        -> (MosquittoBroker, PasswordFile) {
        let passwords = try PasswordFile(users: users)
        let acl = try String(contentsOfFile: LookoutdProcess.repositoryFile("config/mosquitto.acl"), encoding: .utf8)
        let aclPath = (passwords.path as NSString).deletingLastPathComponent + "/acl"
        try acl.write(toFile: aclPath, atomically: true, encoding: .utf8)
        if getuid() == 0 { _ = chmod(aclPath, 0o644) }
        let broker = try MosquittoBroker(listenerConfig: { port in
            MosquittoBroker.passwordListener(passwords)(port) + ["acl_file \(aclPath)"]
        })
        return (broker, passwords)
    }

    static func options(port: Int, user: String, password: String) -> MQTTOptions {
        var options = MQTTOptions()
        options.port = port
        options.clientID = "\(user)-\(UUID().uuidString.prefix(8))"
        options.cleanSession = true
        options.username = user
        options.password = password
        return options
    }

    @Test func propertiesTravelAndTheACLRefusesAnotherUsersTopic() throws {
        let (broker, _) = try Self.aclBroker()
        let daemon = try MQTT5Client(options: Self.options(port: broker.port, user: "lookoutd", password: "daemon pw"),
                                     subscriptions: [("lookout/api/+/req/#", 1)])
        try daemon.connect()
        let alice = try MQTT5Client(options: Self.options(port: broker.port, user: "alice", password: "alice pw"),
                                    subscriptions: [("lookout/api/alice/resp/#", 1)])
        try alice.connect()

        let properties = MQTT5Properties(responseTopic: "lookout/api/alice/resp/x", correlationData: [0, 1, 2, 255],
                                         messageExpirySeconds: 30)
        let accepted = try alice.publishAndWait(topic: "lookout/api/alice/req/1", payload: Array("hello".utf8),
                                                properties: properties)
        #expect(accepted == MQTT5ReasonCode.success)
        let request = try #require(daemon.nextMessage(timeout: 10))
        #expect(request.topic == "lookout/api/alice/req/1")
        #expect(request.payload == Array("hello".utf8))
        #expect(request.properties.responseTopic == "lookout/api/alice/resp/x")
        #expect(request.properties.correlationData == [0, 1, 2, 255])
        #expect((request.properties.messageExpirySeconds ?? 0) > 0)

        // An answer with correlation data reaches alice.
        try daemon.publish(topic: "lookout/api/alice/resp/1", payload: Array("answer".utf8), qos: 1,
                           properties: MQTT5Properties(correlationData: [9, 8]))
        let answer = try #require(alice.nextMessage(timeout: 10))
        #expect(answer.payload == Array("answer".utf8))
        #expect(answer.properties.correlationData == [9, 8])

        // Alice writing under bob's name: the broker says no (135) and delivers nothing.
        let refused = try alice.publishAndWait(topic: "lookout/api/bob/req/2", payload: Array("forged".utf8))
        #expect(refused == MQTT5ReasonCode.notAuthorized)
        // The daemon itself may not write requests either (its start-up check relies on it).
        let own = try daemon.publishAndWait(topic: "lookout/api/bob/req/3", payload: Array("check".utf8))
        #expect(own == MQTT5ReasonCode.notAuthorized)
        // A marker published after both arrives first: nothing forged was delivered before it.
        _ = try alice.publishAndWait(topic: "lookout/api/alice/req/marker", payload: Array("marker".utf8))
        let next = try #require(daemon.nextMessage(timeout: 10))
        #expect(next.topic == "lookout/api/alice/req/marker")
        alice.disconnect()
        daemon.disconnect()
    }

    /// The shipped ACL for devices and the hand-off (issue 16): a device account writes only its own topics, staff
    /// write no device topic, and nobody but whom an operator grants it reads the hand-off (`lookout/events/#`).
    @Test func devicesWriteOnlyTheirOwnTopicsAndTheHandoffIsNotEveryonesToRead() throws {
        let (broker, _) = try Self.aclBroker(users: ["lookoutd": "daemon pw", "SD-0001": "device pw", "alice": "alice pw"])
        let daemon = try MQTT5Client(options: Self.options(port: broker.port, user: "lookoutd", password: "daemon pw"),
                                     subscriptions: [("+/+/+/+", 1)])
        try daemon.connect()
        let device = try MQTT5Client(options: Self.options(port: broker.port, user: "SD-0001", password: "device pw"))
        try device.connect()
        let alice = try MQTT5Client(options: Self.options(port: broker.port, user: "alice", password: "alice pw"),
                                    subscriptions: [("lookout/status/#", 1)])
        try alice.connect()

        let alarm = Array(#"{"event":"smoke","state":"alarm"}"#.utf8)
        #expect(try device.publishAndWait(topic: "c01/smoke/SD-0001/event", payload: alarm) == MQTT5ReasonCode.success)
        #expect(try device.publishAndWait(topic: "c01/smoke/SD-0002/event", payload: alarm) == MQTT5ReasonCode.notAuthorized)
        #expect(try alice.publishAndWait(topic: "c01/sos/SOS-0001/event", payload: Array(#"{"event":"sos_cancel"}"#.utf8))
                == MQTT5ReasonCode.notAuthorized)
        #expect(try device.publishAndWait(topic: "c01/smoke/SD-0001/telemetry", payload: Array("{}".utf8)) == MQTT5ReasonCode.success)
        // lookoutd got the device's own two messages, in order, and nothing forged between them.
        #expect(daemon.nextMessage(timeout: 10)?.topic == "c01/smoke/SD-0001/event")
        #expect(daemon.nextMessage(timeout: 10)?.topic == "c01/smoke/SD-0001/telemetry")

        // The hand-off carries events; alice (no grant) reading `lookout/events/#` gets none of them, while she does
        // get lookoutd's status published after them (one publisher's messages arrive in order).
        let reader = try? MQTT5Client(options: Self.options(port: broker.port, user: "alice", password: "alice pw"),
                                      subscriptions: [("lookout/events/#", 1), ("lookout/status/#", 1)])
        try? reader?.connect()
        #expect(try daemon.publishAndWait(topic: "lookout/events/red/E-1001", payload: Array("{}".utf8)) == MQTT5ReasonCode.success)
        _ = try daemon.publishAndWait(topic: "lookout/status/lookoutd", payload: Array(#"{"state":"online"}"#.utf8))
        if let reader, reader.isConnected {
            #expect(reader.nextMessage(timeout: 10)?.topic == "lookout/status/lookoutd")
        }
        #expect(alice.nextMessage(timeout: 10)?.topic == "lookout/status/lookoutd")
        reader?.disconnect()
        alice.disconnect()
        device.disconnect()
        daemon.disconnect()
    }

    @Test func aWrongPasswordIsRefusedWithTheBrokersReason() throws {
        let (broker, _) = try Self.aclBroker()
        let client = try MQTT5Client(options: Self.options(port: broker.port, user: "alice", password: "wrong"))
        let error = #expect(throws: MQTTError.self) { try client.connect() }
        #expect(error?.message.contains("refused the connection") == true, "\(String(describing: error))")
        #expect(error?.message.contains("wrong") == false)
    }
}
