import EventCore
import Foundation
import LookoutTestSupport
import MQTTClient
import StaffAPI
import Testing
import Vocabulary

/// The door for staff on other machines (issue 16): the staff API over a real mosquitto with a password file and
/// the shipped ACL (`config/mosquitto.acl`), MQTT 5 request/response; the acting user is the broker user the topic
/// names, which the ACL proves.
@Suite(.serialized) struct RemoteAPITests {
    static let staff = """
        [user alice]
        role = staff
        teams = fire

        [user bob]
        role = staff
        teams = fire

        """

    /// A broker with users lookoutd, alice and bob and no anonymous access; with the shipped ACL unless `acl` is false.
    static func broker(acl: Bool = true, tls: TestCertificates? = nil) throws -> MosquittoBroker {
        try brokerKeepingPasswords(users: ["lookoutd": "daemon pw", "alice": "alice pw", "bob": "bob pw"], acl: acl, tls: tls).broker
    }

    /// A broker with `users` and no anonymous access, with the shipped ACL unless `acl` is false; the password file
    /// must outlive a restart of the broker.
    static func brokerKeepingPasswords(users: [String: String], acl: Bool = true,
                                       tls: TestCertificates? = nil) throws -> (broker: MosquittoBroker, passwords: PasswordFile) {
        let passwords = try PasswordFile(users: users)
        let aclPath = (passwords.path as NSString).deletingLastPathComponent + "/acl"
        try String(contentsOfFile: LookoutdProcess.repositoryFile("config/mosquitto.acl"), encoding: .utf8)
            .write(toFile: aclPath, atomically: true, encoding: .utf8)
        if getuid() == 0 { _ = chmod(aclPath, 0o644) }
        let broker = try MosquittoBroker(listenerConfig: { port in
            MosquittoBroker.passwordListener(passwords)(port) + (acl ? ["acl_file \(aclPath)"] : [])
                + (tls.map { ["cafile \($0.caFile)", "certfile \($0.serverCertFile)", "keyfile \($0.serverKeyFile)"] } ?? [])
        })
        return (broker, passwords)
    }

    /// lookoutd (no device broker) serving the remote API through `broker` as broker user lookoutd.
    static func daemon(_ fixture: CLIFixture, broker: MosquittoBroker, caFile: String? = nil) throws -> LookoutdProcess {
        let passwordPath = fixture.directory.file("remote-password")
        try "daemon pw\n".write(toFile: passwordPath, atomically: true, encoding: .utf8)
        return try fixture.startDaemon(staff: staff + LookoutdProcess.runnerIsAdmin, settings: ["remote": [
            "enabled": "true", "host": "127.0.0.1", "port": String(broker.port), "username": "lookoutd",
            "password_file": passwordPath,
        ].merging(caFile.map { ["tls_ca_file": $0] } ?? [:]) { $1 }])
    }

    /// A connected MQTT 5 client of `user`, reading its own answers.
    static func client(_ user: String, broker: MosquittoBroker) throws -> MQTT5Client {
        var options = MQTTOptions()
        options.port = broker.port
        options.clientID = "\(user)-test"
        options.cleanSession = true
        options.username = user
        options.password = "\(user) pw"
        let client = try MQTT5Client(options: options, subscriptions: [("lookout/api/\(user)/resp/#", 1)])
        try client.connect()
        return client
    }

    /// Sends `request` as `user` under `lookout/api/<topicUser>/req/<id>`; returns the broker's reason code.
    static func publish(_ request: APIRequest, as client: MQTT5Client, topicUser: String) throws -> Int32 {
        try client.publishAndWait(topic: "lookout/api/\(topicUser)/req/\(request.id)", payload: APILine.encode(request),
                                  properties: MQTT5Properties(responseTopic: "lookout/api/bob/resp/stolen",
                                                              correlationData: Array(request.id.utf8)))
    }

    /// The answer with correlation data `id`.
    static func answer(_ client: MQTT5Client, id: String) throws -> APIResponse {
        while let message = client.nextMessage(timeout: 60) {
            if message.properties.correlationData == Array(id.utf8) {
                return try APILine.decode(APIResponse.self, from: message.payload.last == 10 ? Array(message.payload.dropLast()) : message.payload)
            }
        }
        throw ReliabilityError("no answer to \(id)")
    }

    static func waitForLog(_ daemon: LookoutdProcess, _ text: String) throws {
        _ = try waitFor(text, log: daemon.log) { daemon.logLines(containing: text).isEmpty ? nil : true }
    }

    @Test func aliceAcksThroughTheBrokerOnceAndCannotActAsBob() throws {
        let broker = try Self.broker()
        let fixture = try CLIFixture()
        let daemon = try Self.daemon(fixture, broker: broker)
        try Self.waitForLog(daemon, "remote staff API serving")
        let event = try fixture.raise("SD-0113", level: .red, teams: ["fire"])
        let alice = try Self.client("alice", broker: broker)

        let ack = APIRequest(id: "alice-1", expiresAt: WallClock.now() + 60_000, operation: .acknowledge,
                             arguments: ["id": event.id, "note": "on my way"])
        #expect(try Self.publish(ack, as: alice, topicUser: "alice") == MQTT5ReasonCode.success)
        let first = try Self.answer(alice, id: "alice-1")
        #expect(first.ok && first.result?.event?.status == .acknowledged, "\(first)")
        #expect(try fixture.store.timeline(of: event.id).filter { $0.action == "acknowledged" }.map(\.actor) == ["alice"])
        let rows = try fixture.store.auditEntries().filter { $0.requestID == "alice-1" }
        #expect(rows.map(\.origin) == ["broker user alice"] && rows.first?.user == "alice", "\(rows)")

        // The same request again (a redelivery): the first answer, no second action.
        #expect(try Self.publish(ack, as: alice, topicUser: "alice") == MQTT5ReasonCode.success)
        let again = try Self.answer(alice, id: "alice-1")
        #expect(again == first)
        #expect(try fixture.store.auditEntries().filter { $0.requestID == "alice-1" }.count == 1)
        #expect(try fixture.store.timeline(of: event.id).filter { $0.action == "acknowledged" }.count == 1)

        // A read asked twice with the same id is answered twice (it changes nothing; its answer is not kept).
        let read = APIRequest(id: "alice-read", expiresAt: WallClock.now() + 60_000, operation: .show, arguments: ["id": event.id])
        for _ in 0..<2 {
            #expect(try Self.publish(read, as: alice, topicUser: "alice") == MQTT5ReasonCode.success)
            let shown = try Self.answer(alice, id: "alice-read")
            #expect(shown.ok && shown.result?.event?.id == event.id, "\(shown)")
        }
        #expect(try fixture.store.auditEntries().filter { $0.requestID == "alice-read" }.count == 2)

        // Alice writing under bob's name: the broker refuses, nothing happens.
        let forged = APIRequest(id: "forged-1", expiresAt: WallClock.now() + 60_000, operation: .resolve,
                                arguments: ["id": event.id, "note": "done"])
        #expect(try Self.publish(forged, as: alice, topicUser: "bob") == MQTT5ReasonCode.notAuthorized)

        // A four-level topic (what a device account named alice could write) is not a request.
        #expect(try alice.publishAndWait(topic: "lookout/api/alice/req", payload: APILine.encode(
            APIRequest(id: "alice-short", expiresAt: WallClock.now() + 60_000, operation: .resolve,
                       arguments: ["id": event.id, "note": "short"]))) == MQTT5ReasonCode.success)

        // An expired request is refused, in the answer and the audit.
        let expired = APIRequest(id: "alice-2", expiresAt: WallClock.now() - 1_000, operation: .resolve,
                                 arguments: ["id": event.id, "note": "late"])
        #expect(try Self.publish(expired, as: alice, topicUser: "alice") == MQTT5ReasonCode.success)
        let late = try Self.answer(alice, id: "alice-2")
        #expect(late.error?.code == .expired, "\(late)")
        #expect(try fixture.store.auditEntries().filter { $0.requestID == "alice-2" }.map(\.outcome) == [.expired])
        // Requests are served in order: the forged one, sent before, was never seen.
        #expect(try fixture.store.auditEntries().allSatisfy { $0.user != "bob" && !["forged-1", "alice-short"].contains($0.requestID) })
        #expect(try fixture.store.event(id: event.id)?.status == .acknowledged)

        // After a restart, the audit still recognises the request id; a request sent while lookoutd was stopped
        // waited in the broker (lookoutd's API session persists) and runs, within its expiry.
        #expect(daemon.stop() == 0)
        let queued = APIRequest(id: "alice-3", expiresAt: WallClock.now() + 600_000, operation: .note,
                                arguments: ["id": event.id, "note": "sent while lookoutd was down"])
        #expect(try Self.publish(queued, as: alice, topicUser: "alice") == MQTT5ReasonCode.success)
        try daemon.startServing()
        let ran = try Self.answer(alice, id: "alice-3")
        #expect(ran.ok, "\(ran)")
        #expect(try fixture.store.timeline(of: event.id).contains { $0.actor == "alice" && $0.note == "sent while lookoutd was down" })
        try Self.waitForLog(daemon, "remote staff API serving")
        let alice2 = try Self.client("alice", broker: broker)
        #expect(try Self.publish(ack, as: alice2, topicUser: "alice") == MQTT5ReasonCode.success)
        let afterRestart = try Self.answer(alice2, id: "alice-1")
        #expect(afterRestart.error?.code == .duplicate, "\(afterRestart)")
        #expect(try fixture.store.timeline(of: event.id).filter { $0.action == "acknowledged" }.count == 1)
    }

    @Test func aBrokerWithoutTheACLGetsNoRemoteService() throws {
        let broker = try Self.broker(acl: false)
        let fixture = try CLIFixture()
        let daemon = try Self.daemon(fixture, broker: broker)
        try Self.waitForLog(daemon, "remote staff API NOT served")
        #expect(daemon.logLines(containing: "remote staff API serving").isEmpty)
        _ = try waitFor("the failed check in the metrics", log: daemon.log) {
            daemon.metric("lookout_remote_api_acl_check_failures_total") == 1 ? true : nil
        }
        #expect(daemon.metric("lookout_remote_api_serving") == 0)
        let status = try fixture.run(["status", "--json"])
        #expect(status.stdout.contains("\"remote_api\"") && status.stdout.contains("\"refused\""), "\(status.stdout)")
        let human = try fixture.run(["status"])
        #expect(human.stdout.contains("remote API") && human.stdout.contains("NOT served"), "\(human.stdout)")
        // The local door still works.
        #expect(daemon.isRunning)
    }

    @Test(arguments: [false, true]) func lookoutLoginThenEveryCommandGoesThroughTheBrokerAsThatUser(tls: Bool) throws {
        let certificates = tls ? try TestCertificates() : nil
        let broker = try Self.broker(tls: certificates)
        let fixture = try CLIFixture()
        let daemon = try Self.daemon(fixture, broker: broker, caFile: certificates?.caFile)
        try Self.waitForLog(daemon, "remote staff API serving")
        let event = try fixture.raise("SD-0113", level: .red, teams: ["fire"])
        let settings = fixture.directory.file("home/.config/lookout/remote.conf")
        // No local socket: the broker is the only door.
        let remote = ["LOOKOUT_REMOTE_CONFIG": settings, "LOOKOUT_SOCKET": ""]
        try "wrong\n".write(toFile: fixture.directory.file("wrong"), atomically: true, encoding: .utf8)
        try "alice pw\n".write(toFile: fixture.directory.file("alice"), atomically: true, encoding: .utf8)

        let tlsArguments = certificates.map { ["--tls-ca", $0.caFile] } ?? []
        let refused = try fixture.run(["login", "--host", "127.0.0.1", "--port", String(broker.port), "--user", "alice",
                                       "--password-file", fixture.directory.file("wrong")] + tlsArguments, environment: remote)
        #expect(refused.status == 1 && refused.stderr.contains("refused the connection") && refused.stderr.contains("nothing saved"),
                "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: settings))

        let login = try fixture.run(["login", "--host", "127.0.0.1", "--port", String(broker.port), "--user", "alice",
                                     "--password-file", fixture.directory.file("alice")] + tlsArguments, environment: remote)
        #expect(login.status == 0, "\(login.stderr)")
        var info = stat()
        #expect(stat(settings, &info) == 0 && info.st_mode & 0o777 == 0o600)

        let ack = try fixture.run(["ack", event.id, "--note", "from the car", "--as", "carol"], environment: remote)
        #expect(ack.status == 0, "\(ack.stderr)")
        #expect(ack.stdout.contains("by alice on behalf of carol"), "\(ack.stdout)")
        #expect(try fixture.store.timeline(of: event.id).filter { $0.action == "acknowledged" }.map(\.actor) == ["alice"])
        #expect(try fixture.store.auditEntries().filter { $0.operation == "ack" }.map(\.origin) == ["broker user alice"])
        let list = try fixture.run(["events"], environment: remote)
        #expect(list.status == 0 && list.stdout.contains(event.id), "\(list.stdout) \(list.stderr)")
        let status = try fixture.run(["status"], environment: remote)
        #expect(status.stdout.contains("remote API") && status.stdout.contains("serving"), "\(status.stdout) \(status.stderr)")
    }

    /// lookoutd keeps a retained status on the broker with a last will: after `kill -9`, `lookout status` on a staff
    /// machine says at once that lookoutd is down (and since when, and why), not "no answer"; a clean stop says so too.
    @Test func statusThroughTheBrokerSaysDownWhenLookoutdIsDead() throws {
        let broker = try Self.broker()
        let fixture = try CLIFixture()
        let daemon = try Self.daemon(fixture, broker: broker)
        try Self.waitForLog(daemon, "remote staff API serving")
        let settings = fixture.directory.file("home/.config/lookout/remote.conf")
        let remote = ["LOOKOUT_REMOTE_CONFIG": settings, "LOOKOUT_SOCKET": ""]
        try "alice pw\n".write(toFile: fixture.directory.file("alice"), atomically: true, encoding: .utf8)
        let login = try fixture.run(["login", "--host", "127.0.0.1", "--port", String(broker.port), "--user", "alice",
                                     "--password-file", fixture.directory.file("alice")], environment: remote)
        #expect(login.status == 0, "\(login.stderr)")
        _ = try waitFor("status through the broker says serving", log: daemon.log) {
            try fixture.run(["status"], environment: remote).stdout.contains("serving") ? true : nil
        }

        daemon.killHard()
        let status = try fixture.run(["status"], environment: remote)
        let text = status.stdout + status.stderr
        #expect(status.status != 0, "\(text)")
        // The broker's copy of the last will was written when lookoutd connected: it does not pretend to know when
        // lookoutd went, it says since when that lookoutd had been up.
        #expect(text.contains("DOWN") && text.contains("the last will of the lookoutd up since"), "\(text)")
        #expect(!text.contains("lookoutd is down since"), "\(text)")
        #expect(text.contains("without a goodbye"), "\(text)")
        let events = try fixture.run(["events"], environment: remote)
        #expect(events.status != 0 && events.stderr.contains("lookoutd is down (the broker's retained status"), "\(events.stderr)")

        try daemon.startServing()
        _ = try waitFor("lookoutd serving through the broker again", log: daemon.log) {
            try fixture.run(["status"], environment: remote).stdout.contains("serving") ? true : nil
        }
        #expect(daemon.stop() == 0)
        let stopped = try fixture.run(["status"], environment: remote)
        #expect((stopped.stdout + stopped.stderr).contains("lookoutd stopped"), "\(stopped.stdout) \(stopped.stderr)")
    }
}
