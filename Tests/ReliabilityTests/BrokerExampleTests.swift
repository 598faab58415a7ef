import Foundation
import LookoutTestSupport
import MQTTClient
import Testing

extension ReliabilityTests {
    /// Issue 14, item 11: the first deployment step of docs/operators.md copies `config/mosquitto.conf` into Debian's
    /// `/etc/mosquitto/conf.d/`. It must load there, under Debian's own main file, or the broker does not start.
    @Suite struct BrokerExampleTests {
        /// Debian's main configuration, installed by the `mosquitto` package (scripts/test.sh installs it).
        static let debianMainFile = "/etc/mosquitto/mosquitto.conf"

        @Test func theExampleLoadsAsADropInBesideDebiansMainFile() throws {
            let debianMain = try String(contentsOfFile: Self.debianMainFile, encoding: .utf8)
            let broker = try MosquittoBroker()
            let dropIns = broker.directory.file("conf.d")
            try FileManager.default.createDirectory(atPath: dropIns, withIntermediateDirectories: true)

            // Debian's file line for line, with each path moved into the broker's directory. The keys stay, so a
            // drop-in that sets one of them again is refused just as on a real server.
            let moved: [(key: String, value: String)] = [
                ("pid_file", broker.directory.file("mosquitto.pid")),
                ("persistence_location", broker.directory.path + "/"),
                ("log_dest", "file " + broker.directory.file("mosquitto.log")),
                ("include_dir", dropIns),
            ]
            var main: [String] = []
            var seen: Set<String> = []
            for line in debianMain.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
                let key = line.split(separator: " ").first.map(String.init) ?? ""
                if let path = moved.first(where: { $0.key == key }) {
                    main.append("\(key) \(path.value)")
                    seen.insert(key)
                } else {
                    main.append(line)
                }
            }
            #expect(seen == Set(moved.map(\.key)), "Debian's main file changed: \(Self.debianMainFile)")
            try (main.joined(separator: "\n") + "\n").write(toFile: broker.directory.file("mosquitto.conf"), atomically: true, encoding: .utf8)

            let example = try String(contentsOfFile: LookoutdProcess.repositoryFile("config/mosquitto.conf"), encoding: .utf8)
            #expect(example.contains("\nlistener 1883 127.0.0.1\n"))
            // The password file and ACL are the operator's (made with mosquitto_passwd); here test copies.
            let passwords = try PasswordFile(users: ["lookoutd": "daemon pw"])
            let aclPath = broker.directory.file("acl")
            try String(contentsOfFile: LookoutdProcess.repositoryFile("config/mosquitto.acl"), encoding: .utf8)
                .write(toFile: aclPath, atomically: true, encoding: .utf8)
            #expect(example.contains("\npassword_file /etc/mosquitto/passwd\n") && example.contains("\nacl_file /etc/mosquitto/acl\n"))
            let dropIn = example.replacingOccurrences(of: "\nlistener 1883 127.0.0.1\n", with: "\nlistener \(broker.port) 127.0.0.1\n")
                .replacingOccurrences(of: "\npassword_file /etc/mosquitto/passwd\n", with: "\npassword_file \(passwords.path)\n")
                .replacingOccurrences(of: "\nacl_file /etc/mosquitto/acl\n", with: "\nacl_file \(aclPath)\n")
            try dropIn.write(toFile: (dropIns as NSString).appendingPathComponent("lookout.conf"), atomically: true, encoding: .utf8)

            // Throws with the broker's log ("Duplicate persistence_location value …") when mosquitto refuses it.
            try broker.restart()
            // Debian's main file declares no listener: the one on the test port is the drop-in's.
            #expect(FreePort.canConnect(port: broker.port))
            // No anonymous access (issue 16); lookoutd's broker user gets in.
            var options = MQTTOptions()
            options.port = broker.port
            options.clientID = "anonymous-check"
            options.cleanSession = true
            #expect(throws: MQTTError.self) { try MQTTPublisher(options: options).connect() }
            options.username = "lookoutd"
            options.password = "daemon pw"
            try MQTTPublisher(options: options).connect()
        }
    }
}
