import Foundation
import LookoutTestSupport
import MQTTClient
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension ReliabilityTests {
    /// Promise 9: passwords (from a file, or systemd credentials), TLS, and the database file mode.
    @Suite struct SecurityTests {
        static let daemonPassword = "Daemon-Pa55-7f3e9c"
        static let publisherPassword = "Publisher-Pa55-11ab"

        /// A broker that needs a password, with accounts for the daemon and the test publisher.
        static func passwordBroker() throws -> (MosquittoBroker, PasswordFile) {
            let passwords = try PasswordFile(users: ["lookoutd": daemonPassword, "publisher": publisherPassword])
            return (try MosquittoBroker(listenerConfig: MosquittoBroker.passwordListener(passwords)), passwords)
        }

        static func authenticatedPublisher(_ broker: MosquittoBroker) throws -> TestPublisher {
            try TestPublisher(broker: broker) {
                $0.username = "publisher"
                $0.password = publisherPassword
            }
        }

        /// Writes `password` into `directory/name` with mode 0600.
        static func writeSecret(_ password: String, in directory: TemporaryDirectory, name: String) throws -> String {
            let path = directory.file(name)
            try (password + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            chmod(path, 0o600)
            return path
        }

        @Test func passwordFromAFileIsUsedAndNeverLogged() throws {
            let (broker, _) = try Self.passwordBroker()
            let secrets = try TemporaryDirectory(prefix: "lookout-secret")
            let passwordFile = try Self.writeSecret(Self.daemonPassword, in: secrets, name: "mqtt-password")
            let daemon = try LookoutdProcess(broker: broker, rules: Alarm.rules, settings: [
                "broker": ["username": "lookoutd", "password_file": passwordFile], "log": ["level": "debug"],
            ])
            try daemon.start()
            let publisher = try Self.authenticatedPublisher(broker)
            try daemon.drainWithSentinel(publisher, name: "password")
            #expect(daemon.stop() == 0)
            #expect(!daemon.log.contains(Self.daemonPassword))
            let check = try ChildProcess.run(ChildProcess.product("lookoutd"), ["--config", daemon.configPath, "--check"])
            #expect(check.status == 0, "\(check.stderr)")
            #expect(!(check.stdout + check.stderr).contains(Self.daemonPassword))
        }

        @Test func passwordFromSystemdCredentialsDirectory() throws {
            let (broker, _) = try Self.passwordBroker()
            let credentials = try TemporaryDirectory(prefix: "lookout-credentials")
            _ = try Self.writeSecret(Self.daemonPassword, in: credentials, name: "mqtt-password")
            let daemon = try LookoutdProcess(broker: broker, rules: Alarm.rules, settings: [
                "broker": ["username": "lookoutd", "password_file": "${CREDENTIALS_DIRECTORY}/mqtt-password"],
            ])
            try daemon.start(environment: ["CREDENTIALS_DIRECTORY": credentials.path])
            let publisher = try Self.authenticatedPublisher(broker)
            try daemon.drainWithSentinel(publisher, name: "credentials")
            #expect(daemon.stop() == 0)
            #expect(!daemon.log.contains(Self.daemonPassword))

            // Without the variable the configuration is refused at once, naming it.
            try daemon.launch()
            #expect(daemon.waitForExit() == 1)
            #expect(daemon.log.contains("CREDENTIALS_DIRECTORY"))
        }

        /// A wrong password: one clear log line, no READY=1, and the daemon keeps retrying (a password fixed
        /// on the broker side is picked up without a restart); SIGTERM still stops it cleanly.
        @Test func wrongPasswordIsReportedOnceAndRetried() throws {
            let (broker, _) = try Self.passwordBroker()
            let secrets = try TemporaryDirectory(prefix: "lookout-secret")
            let wrong = "Wrong-Pa55-0000"
            let passwordFile = try Self.writeSecret(wrong, in: secrets, name: "mqtt-password")
            let daemon = try LookoutdProcess(broker: broker, rules: Alarm.rules, settings: [
                "broker": ["username": "lookoutd", "password_file": passwordFile], "log": ["level": "debug"],
            ])
            try daemon.launch()
            let refused = try waitFor("the refused connection in the log", log: daemon.log) {
                daemon.logLines(containing: "broker connection lost").first
            }
            #expect(refused.contains("not authorised") || refused.contains("not authorized") || refused.contains("refused"), "\(refused)")
            // Several attempts later (each refused by the broker), still one line and still running.
            #expect(broker.waitForLog("not authorised", count: 3, timeout: 60), "\(broker.log)")
            #expect(daemon.logLines(containing: "broker connection lost").count == 1, "\(daemon.log)")
            #expect(daemon.isRunning)
            #expect(!daemon.notify.messages.contains { $0.has("READY=1") })
            #expect(!daemon.log.contains(wrong))
            #expect(daemon.stop() == 0)
        }

        @Test func tlsWithATestCertificateAuthority() throws {
            let certificates = try TestCertificates()
            let broker = try MosquittoBroker(listenerConfig: MosquittoBroker.tlsListener(certificates))
            let daemon = try LookoutdProcess(broker: broker, rules: Alarm.rules, settings: [
                "broker": ["tls_ca_file": certificates.caFile],
            ])
            try daemon.start()
            let publisher = try TestPublisher(broker: broker) { $0.tls = TLSOptions(caFile: certificates.caFile) }
            try daemon.drainWithSentinel(publisher, name: "tls")
            #expect(daemon.stop() == 0)
        }

        @Test func tlsWithAClientCertificateWhenTheBrokerRequiresOne() throws {
            let certificates = try TestCertificates()
            let broker = try MosquittoBroker(listenerConfig: MosquittoBroker.tlsListener(certificates, requireClientCertificate: true))
            let daemon = try LookoutdProcess(broker: broker, rules: Alarm.rules, settings: [
                "broker": ["tls_ca_file": certificates.caFile, "tls_cert_file": certificates.clientCertFile,
                           "tls_key_file": certificates.clientKeyFile],
            ])
            try daemon.start()
            let publisher = try TestPublisher(broker: broker) {
                $0.tls = TLSOptions(caFile: certificates.caFile, certFile: certificates.clientCertFile, keyFile: certificates.clientKeyFile)
            }
            try daemon.drainWithSentinel(publisher, name: "client-cert")
            #expect(daemon.stop() == 0)
        }

        @Test func tlsWithTheWrongAuthorityIsReportedClearly() throws {
            let certificates = try TestCertificates()
            let broker = try MosquittoBroker(listenerConfig: MosquittoBroker.tlsListener(certificates))
            let daemon = try LookoutdProcess(broker: broker, rules: Alarm.rules, settings: [
                "broker": ["tls_ca_file": certificates.otherCAFile],
            ])
            try daemon.launch()
            let refused = try waitFor("the failed TLS connection in the log", log: daemon.log) {
                daemon.logLines(containing: "broker connection lost").first
            }
            #expect(refused.lowercased().contains("certificate") || refused.lowercased().contains("tls"), "\(refused)")
            #expect(!daemon.notify.messages.contains { $0.has("READY=1") })
            #expect(daemon.stop() == 0)
        }

        @Test func databaseIsCreatedWithMode0640() throws {
            let broker = try MosquittoBroker()
            let daemon = try LookoutdProcess(broker: broker, rules: Alarm.rules)
            try daemon.start()
            var info = stat()
            #expect(stat(daemon.databasePath, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o640, "mode \(String(info.st_mode & 0o777, radix: 8))")
            #expect(daemon.stop() == 0)
        }
    }
}
