import Foundation
import LookoutTestSupport
import MQTTClient
import Testing

@Suite(.serialized) struct MQTTSecurityTests {
    @Test func usernameAndPasswordAreAccepted() throws {
        let passwords = try PasswordFile(users: ["lookoutd": "right horse battery", "sim": "staple"])
        let broker = try MosquittoBroker(listenerConfig: MosquittoBroker.passwordListener(passwords))
        var options = testOptions(port: broker.port)
        options.username = "lookoutd"
        options.password = "right horse battery"
        let runner = ConnectionRunner(try MQTTConnection(options: options))
        #expect(runner.consumer.wait { $0.connects.count == 1 })

        var publisherOptions = testOptions(port: broker.port, clientID: "sim")
        publisherOptions.username = "sim"
        publisherOptions.password = "staple"
        let publisher = try MQTTPublisher(options: publisherOptions)
        try publisher.connect()
        try publisher.publish(topic: "test/auth", payload: Array("ok".utf8), qos: 1)
        try publisher.flush()
        publisher.disconnect()
        #expect(runner.consumer.wait { $0.payloads == ["ok"] })
        #expect(runner.stop())
    }

    @Test func wrongPasswordIsReportedClearly() throws {
        let passwords = try PasswordFile(users: ["lookoutd": "right horse battery"])
        let broker = try MosquittoBroker(listenerConfig: MosquittoBroker.passwordListener(passwords))
        var options = testOptions(port: broker.port)
        options.username = "lookoutd"
        options.password = "wrong"
        let runner = ConnectionRunner(try MQTTConnection(options: options))
        #expect(runner.consumer.wait { !$0.disconnects.isEmpty })
        #expect(runner.stop())
        #expect(runner.consumer.connects.isEmpty)
        #expect(runner.consumer.disconnects.count == 1)
        let reason = runner.consumer.disconnects.first ?? ""
        #expect(reason.contains("Connection Refused"), "\(reason)")
        #expect(!reason.contains("wrong"), "the password must never appear in messages")

        // Anonymous is refused too, and the publisher reports it as an error from connect.
        let publisher = try MQTTPublisher(options: testOptions(port: broker.port, clientID: "anonymous"))
        let error = #expect(throws: MQTTError.self) { try publisher.connect() }
        #expect(error?.message.contains("Connection Refused") == true, "\(String(describing: error))")
    }

    @Test func tlsWithTheRightCAConnects() throws {
        let certificates = try TestCertificates()
        let broker = try MosquittoBroker(listenerConfig: MosquittoBroker.tlsListener(certificates))
        var options = testOptions(port: broker.port)
        options.tls = TLSOptions(caFile: certificates.caFile)
        let runner = ConnectionRunner(try MQTTConnection(options: options))
        #expect(runner.consumer.wait { $0.connects.count == 1 })

        var publisherOptions = testOptions(port: broker.port, clientID: "tls-publisher")
        publisherOptions.host = "localhost"
        publisherOptions.tls = TLSOptions(caFile: certificates.caFile)
        try publishNumbered(with: try MQTTPublisher(options: publisherOptions), topic: "test/tls", prefix: "t", count: 100)
        #expect(runner.consumer.wait { $0.messages.count >= 100 })
        #expect(runner.consumer.payloads == (0..<100).map { "t\($0)" })
        #expect(runner.stop())
    }

    @Test func tlsWithAnUnrelatedCAIsRefused() throws {
        let certificates = try TestCertificates()
        let broker = try MosquittoBroker(listenerConfig: MosquittoBroker.tlsListener(certificates))
        var options = testOptions(port: broker.port)
        options.tls = TLSOptions(caFile: certificates.otherCAFile)
        let runner = ConnectionRunner(try MQTTConnection(options: options))
        #expect(runner.consumer.wait { !$0.disconnects.isEmpty })
        #expect(runner.stop())
        #expect(runner.consumer.connects.isEmpty)
        let reason = runner.consumer.disconnects.first ?? ""
        #expect(reason.contains("TLS") && reason.contains("certificate verify failed"), "\(reason)")
    }

    @Test func clientCertificateWhenTheBrokerRequiresOne() throws {
        let certificates = try TestCertificates()
        let broker = try MosquittoBroker(listenerConfig: MosquittoBroker.tlsListener(certificates, requireClientCertificate: true))

        var withoutCertificate = testOptions(port: broker.port, clientID: "no-cert")
        withoutCertificate.tls = TLSOptions(caFile: certificates.caFile)
        let refused = ConnectionRunner(try MQTTConnection(options: withoutCertificate))
        #expect(refused.consumer.wait { !$0.disconnects.isEmpty })
        #expect(refused.stop())
        #expect(refused.consumer.connects.isEmpty)
        #expect(refused.consumer.disconnects.first?.contains("cannot connect to") == true, "\(refused.consumer.disconnects)")

        var withCertificate = testOptions(port: broker.port, clientID: "with-cert")
        withCertificate.tls = TLSOptions(caFile: certificates.caFile, certFile: certificates.clientCertFile,
                                         keyFile: certificates.clientKeyFile)
        let accepted = ConnectionRunner(try MQTTConnection(options: withCertificate))
        #expect(accepted.consumer.wait { $0.connects.count == 1 })
        #expect(accepted.stop())
    }

    @Test func missingCAFileIsASettingsError() throws {
        var options = testOptions(port: 8883)
        options.tls = TLSOptions(caFile: "/nonexistent/ca.crt")
        #expect(throws: MQTTError.self) { try MQTTConnection(options: options) }
        #expect(throws: MQTTError.self) { try MQTTPublisher(options: options) }
    }
}

@Suite(.serialized) struct MQTTSlowHandshakeTests {
    @Test func ticksContinueWhileATLSHandshakeIsPendingAndItThenConnects() throws {
        let certificates = try TestCertificates()
        let broker = try MosquittoBroker(listenerConfig: MosquittoBroker.tlsListener(certificates))
        let proxy = try SlowHandshakeProxy(targetPort: broker.port)
        var options = testOptions(port: proxy.port)
        options.tls = TLSOptions(caFile: certificates.caFile)
        let runner = ConnectionRunner(try MQTTConnection(options: options))
        // The TCP handshake hangs; ticks (every 0.05 s) must go on meanwhile.
        #expect(runner.consumer.wait { $0.ticks >= 10 })
        proxy.open()
        // The SYN is retried, the handshake completes through the proxy, TLS and MQTT follow at once
        // (not after a keepalive timeout and a second attempt).
        #expect(runner.consumer.wait { $0.connects.count == 1 })
        #expect(runner.consumer.disconnects.isEmpty, "\(runner.consumer.disconnects)")
        try publishAll(port: broker.port, count: 1, qos: 1, tls: certificates)
        #expect(runner.consumer.wait { $0.payloads == ["m0"] })
        #expect(runner.stop())
    }

    @Test func plainTCPHandshakePendingThenConnects() throws {
        let broker = try MosquittoBroker()
        let proxy = try SlowHandshakeProxy(targetPort: broker.port)
        let runner = ConnectionRunner(try MQTTConnection(options: testOptions(port: proxy.port)))
        #expect(runner.consumer.wait { $0.ticks >= 10 })
        proxy.open()
        #expect(runner.consumer.wait { $0.connects.count == 1 })
        #expect(runner.stop())
    }
}

