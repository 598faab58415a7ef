import EventCore
import Foundation
import LookoutTestSupport
import MQTTClient
import StaffAPI
import Testing
import Vocabulary

/// `lookout watch` through the broker (issue 16): a real mosquitto with a password file and the shipped ACL, a real
/// lookoutd serving `[remote]`, and the built `lookout` logged in as a broker user. lookoutd pushes the change feed to
/// `lookout/api/<user>/resp/watch/<id>`; the banners come from its retained status (last will), the connection and
/// the heartbeats; after any interruption the watch resumes after the last change it showed.
@Suite(.serialized) struct RemoteWatchTests {
    static let staff = """
        [user alice]
        role = staff
        teams = fire

        [user bob]
        role = staff
        teams = fire

        [user vera]
        role = viewer

        """

    /// Broker users: lookoutd, three staff, one broker user who is not staff, and the device SD-0001.
    static let users = ["lookoutd": "daemon pw", "alice": "alice pw", "bob": "bob pw", "vera": "vera pw",
                        "mallory": "mallory pw", "SD-0001": "device pw"]

    /// A broker with the users above, no anonymous access and the shipped ACL; the password file must outlive a
    /// restart of the broker (`keepingPasswords`).
    static func broker() throws -> MosquittoBroker { try brokerKeepingPasswords().broker }

    static func brokerKeepingPasswords() throws -> (broker: MosquittoBroker, passwords: PasswordFile) {
        let passwords = try PasswordFile(users: users)
        let aclPath = (passwords.path as NSString).deletingLastPathComponent + "/acl"
        try String(contentsOfFile: LookoutdProcess.repositoryFile("config/mosquitto.acl"), encoding: .utf8)
            .write(toFile: aclPath, atomically: true, encoding: .utf8)
        if getuid() == 0 { _ = chmod(aclPath, 0o644) }
        let broker = try MosquittoBroker(listenerConfig: { port in
            MosquittoBroker.passwordListener(passwords)(port) + ["acl_file \(aclPath)"]
        })
        return (broker, passwords)
    }

    /// lookoutd reading device messages and serving the remote API through `broker`, both as broker user lookoutd.
    static func daemon(_ fixture: CLIFixture, broker: MosquittoBroker) throws -> LookoutdProcess {
        let passwordPath = fixture.directory.file("lookoutd-password")
        try "daemon pw\n".write(toFile: passwordPath, atomically: true, encoding: .utf8)
        let registry = try String(contentsOfFile: LookoutdProcess.repositoryFile("config/devices.csv"), encoding: .utf8)
        let daemon = try fixture.startDaemon(staff: staff + LookoutdProcess.runnerIsAdmin, settings: [
            "broker": ["port": String(broker.port), "username": "lookoutd", "password_file": passwordPath],
            "remote": ["enabled": "true", "host": "127.0.0.1", "port": String(broker.port), "username": "lookoutd",
                       "password_file": passwordPath],
        ], registry: registry)
        try RemoteAPITests.waitForLog(daemon, "remote staff API serving")
        return daemon
    }

    /// `lookout login` as `user`; returns the environment of a staff machine (the broker is the only door).
    static func login(_ fixture: CLIFixture, broker: MosquittoBroker, as user: String) throws -> [String: String] {
        let settings = fixture.directory.file("home-\(user)/remote.conf")
        let passwordFile = fixture.directory.file("\(user)-password")
        try "\(users[user]!)\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let environment = ["LOOKOUT_REMOTE_CONFIG": settings, "LOOKOUT_SOCKET": ""]
        let login = try fixture.run(["login", "--host", "127.0.0.1", "--port", String(broker.port), "--user", user,
                                     "--password-file", passwordFile], environment: environment)
        #expect(login.status == 0, "\(login.stderr)")
        return environment
    }

    /// `lookout watch ARGS` on a staff machine of `environment`.
    final class RemoteWatch {
        let process = Process()
        let stdout: PipeCollector
        let stderr: PipeCollector

        init(_ environment: [String: String], _ arguments: [String]) throws {
            process.executableURL = URL(fileURLWithPath: ChildProcess.product("lookout"))
            process.arguments = ["watch"] + arguments
            var env = ProcessInfo.processInfo.environment
            env["LOOKOUT_DB"] = nil
            env["COLUMNS"] = "200"
            for (key, value) in environment { env[key] = value }
            process.environment = env
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            stdout = PipeCollector(out)
            stderr = PipeCollector(err)
            try process.run()
        }

        deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        /// Waits until lookoutd answered the watch (it then pushes every later change).
        func waitUntilWatching() {
            #expect(stderr.wait(until: { $0.contains("lookoutd at broker") }), "\(stdout.text) \(stderr.text)")
        }

        /// Sends SIGINT and waits for the exit.
        func interrupt() {
            process.interrupt()
            waitForExit(process)
        }

        /// The lines of stdout that contain `text`.
        func lines(containing text: String) -> [Substring] { stdout.text.split(separator: "\n").filter { $0.contains(text) } }
    }

    /// A raw MQTT 5 client of `user` subscribed to `filter`.
    static func client(_ user: String, broker: MosquittoBroker, filter: String) throws -> MQTT5Client {
        var options = MQTTOptions()
        options.port = broker.port
        options.clientID = "\(user)-raw"
        options.cleanSession = true
        options.username = user
        options.password = users[user]
        return try MQTT5Client(options: options, subscriptions: [(filter, 1)])
    }

    @Test func aRemoteWatchShowsAnEventADeviceRaisedAndNoOtherUserReadsIt() throws {
        let broker = try Self.broker()
        let fixture = try CLIFixture()
        let daemon = try Self.daemon(fixture, broker: broker)
        let alice = try Self.login(fixture, broker: broker, as: "alice")
        let watch = try RemoteWatch(alice, ["--no-bell"])
        watch.waitUntilWatching()
        // bob reads what he can of alice's answers and watch: the broker delivers none of it (mosquitto checks read
        // access when it delivers; the shipped ACL gives each user only lookout/api/<self>/resp/#).
        let bob = try Self.client("bob", broker: broker, filter: "lookout/api/alice/resp/#")
        try? bob.connect()

        var options = MQTTOptions()
        options.port = broker.port
        options.clientID = "SD-0001"
        options.username = "SD-0001"
        options.password = "device pw"
        let device = try MQTTPublisher(options: options)
        try device.connect()
        try device.publish(topic: "c01/smoke/SD-0001/event",
                           payload: Array(#"{"ts":\#(WallClock.now() - 1_000),"event":"smoke","state":"alarm"}"#.utf8), qos: 1)
        try device.flush()
        #expect(watch.stdout.wait(until: { $0.contains("RAISED") && $0.contains("SD-0001") }), "\(watch.stdout.text) \(watch.stderr.text) \(daemon.log)")
        let event = try #require(try fixture.store.events(EventFilter()).first { $0.deviceID == "SD-0001" })
        #expect(watch.lines(containing: event.id).count == 1, "\(watch.stdout.text)")
        #expect(bob.nextMessage(timeout: 2) == nil, "bob read alice's watch")

        // The watch is audited once (not at each renewal), as alice from the broker.
        let rows = try fixture.store.auditEntries().filter { $0.operation == "watch" }
        #expect(rows.count == 1 && rows.first?.user == "alice" && rows.first?.origin == "broker user alice", "\(rows)")
        watch.interrupt()
        #expect(watch.process.terminationStatus == 0, "\(watch.stderr.text)")
        bob.disconnect()
    }

    /// The remote watch carries what the local one does: no resident's name or phone whatever the role (only `show`
    /// gives them, to who needs them); a broker user who is not in the staff directory is refused.
    @Test func aRemoteWatchShowsWhatTheRoleAllows() throws {
        let broker = try Self.broker()
        let fixture = try CLIFixture()
        _ = try Self.daemon(fixture, broker: broker)
        let vera = try RemoteWatch(try Self.login(fixture, broker: broker, as: "vera"), ["--no-bell"])
        let alice = try RemoteWatch(try Self.login(fixture, broker: broker, as: "alice"), ["--no-bell"])
        vera.waitUntilWatching()
        alice.waitUntilWatching()
        let call = try ResidentPrivacyTests.raiseCall(fixture, teams: ["fire"])
        for watch in [vera, alice] {
            #expect(watch.stdout.wait(until: { $0.contains(call.id) }), "\(watch.stdout.text) \(watch.stderr.text)")
            #expect(watch.stdout.text.contains(EventRecord.withheldMark), "\(watch.stdout.text)")
            for personal in ResidentPrivacyTests.personal { #expect(!watch.stdout.text.contains(personal), "\(watch.stdout.text)") }
            watch.interrupt()
        }

        let mallory = try fixture.run(["watch", "--no-bell"], environment: try Self.login(fixture, broker: broker, as: "mallory"))
        #expect(mallory.status == 1, "\(mallory.stdout) \(mallory.stderr)")
        #expect(mallory.stderr.contains("mallory") && !mallory.stdout.contains(call.id), "\(mallory.stdout) \(mallory.stderr)")
        #expect(try fixture.store.auditEntries().contains { $0.user == "mallory" && $0.operation == "watch" && $0.outcome != .ok })
    }

    /// `kill -9` of lookoutd: the broker publishes its last will and the watch says at once that lookoutd is down,
    /// with the bell; once it is back, the watch shows what changed meanwhile, once, then follows again.
    @Test func killingLookoutdShowsTheDownBannerAndTheWatchMissesNothing() throws {
        let broker = try Self.broker()
        let fixture = try CLIFixture()
        let daemon = try Self.daemon(fixture, broker: broker)
        var environment = try Self.login(fixture, broker: broker, as: "alice")
        environment["TZ"] = "UTC"
        let watch = try RemoteWatch(environment, ["--bell", "--quiet", "1"])
        watch.waitUntilWatching()
        #expect(watch.stdout.wait(until: { $0.contains("all quiet, lookoutd OK") }), "\(watch.stdout.text)")
        let first = try fixture.raise("SD-0002", level: .yellow, title: "before the kill")
        #expect(watch.stdout.wait(until: { $0.contains(first.id) }), "\(watch.stdout.text)")

        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let killed = formatter.string(from: Date())
        daemon.killHard()
        #expect(watch.stdout.wait(until: { $0.contains("lookoutd is down since") }), "\(watch.stdout.text)")
        let banner = try #require(watch.lines(containing: "lookoutd is down since").first)
        #expect(banner.contains("\u{07}") && banner.contains("without a goodbye"), "\(banner)")
        // Since when: the kill (the will arrived live), not when that lookoutd connected (the will's own time).
        let since = banner.split(separator: "since ").dropFirst().first.map { String($0.prefix(19)) } ?? ""
        #expect(since >= killed, "down since \(since), killed at \(killed): \(banner)")

        let meanwhile = try fixture.raise("SD-0003", level: .red, title: "while lookoutd was down")
        _ = try fixture.store.perform(.acknowledge, on: first.id, actor: "erin", note: "", at: fixture.now)
        try daemon.startServing()
        #expect(watch.stdout.wait(until: { $0.contains("lookoutd is back") }), "\(watch.stdout.text) \(daemon.log)")
        let after = try fixture.raise("SD-0004", level: .yellow, title: "after the restart")
        #expect(watch.stdout.wait(until: { $0.contains(after.id) }), "\(watch.stdout.text)")
        watch.interrupt()

        #expect(watch.lines(containing: meanwhile.id).filter { $0.contains("RAISED") }.count == 1, "\(watch.stdout.text)")
        #expect(watch.lines(containing: meanwhile.id).first?.contains("\u{07}") == true, "a red event it had not shown rings")
        #expect(watch.lines(containing: first.id).filter { $0.contains("ACKNOWLEDGED") }.count == 1, "\(watch.stdout.text)")
        #expect(watch.lines(containing: first.id).filter { $0.contains("RAISED") }.count == 1, "\(watch.stdout.text)")
        let lines = watch.stdout.text.split(separator: "\n")
        let order = [lines.firstIndex { $0.contains("lookoutd is down") }, lines.firstIndex { $0.contains(meanwhile.id) },
                     lines.firstIndex { $0.contains(after.id) }].compactMap { $0 }
        #expect(order.count == 3 && order == order.sorted(), "\(watch.stdout.text)")
    }

    /// The broker restarts under a watch: a banner (with the bell) while it is away, then every change made
    /// meanwhile, once.
    @Test func aBrokerRestartShowsABannerAndTheWatchMissesNoChange() throws {
        let (broker, passwords) = try Self.brokerKeepingPasswords()
        defer { withExtendedLifetime(passwords) {} }
        let fixture = try CLIFixture()
        let daemon = try Self.daemon(fixture, broker: broker)
        let watch = try RemoteWatch(try Self.login(fixture, broker: broker, as: "alice"), ["--bell"])
        watch.waitUntilWatching()
        let first = try fixture.raise("SD-0002", level: .yellow, title: "before the broker restart")
        #expect(watch.stdout.wait(until: { $0.contains(first.id) }), "\(watch.stdout.text)")

        broker.stop()
        #expect(watch.stdout.wait(until: { $0.contains("broker connection is lost") }), "\(watch.stdout.text)")
        #expect(watch.lines(containing: "broker connection is lost").first?.contains("\u{07}") == true)
        let meanwhile = try fixture.raise("SD-0003", level: .red, title: "while the broker was away")
        try broker.start()
        #expect(watch.stdout.wait(until: { $0.contains(meanwhile.id) }), "\(watch.stdout.text) \(daemon.log)")
        let after = try fixture.raise("SD-0004", level: .yellow, title: "after the broker restart")
        #expect(watch.stdout.wait(until: { $0.contains(after.id) }), "\(watch.stdout.text)")
        watch.interrupt()
        for event in [first, meanwhile, after] {
            #expect(watch.lines(containing: event.id).filter { $0.contains("RAISED") }.count == 1, "\(watch.stdout.text)")
        }
    }

    /// lookoutd stopped (SIGSTOP) with its connection still up: no last will, but no heartbeat either; the watch
    /// says the status is stale, and resumes when lookoutd does.
    @Test func aSilentLookoutdIsAStaleStatusBanner() throws {
        let broker = try Self.broker()
        let fixture = try CLIFixture()
        let daemon = try Self.daemon(fixture, broker: broker)
        let watch = try RemoteWatch(try Self.login(fixture, broker: broker, as: "alice"), ["--bell", "--quiet", "1"])
        watch.waitUntilWatching()
        daemon.send(SIGSTOP)
        defer { daemon.send(SIGCONT) }
        #expect(watch.stdout.wait(until: { $0.contains("its status is stale") }), "\(watch.stdout.text)")
        let meanwhile = try fixture.raise("SD-0003", level: .red, title: "while lookoutd was stopped")
        daemon.send(SIGCONT)
        #expect(watch.stdout.wait(until: { $0.contains(meanwhile.id) }), "\(watch.stdout.text)")
        watch.interrupt()
        #expect(watch.lines(containing: meanwhile.id).filter { $0.contains("RAISED") }.count == 1, "\(watch.stdout.text)")
    }

    /// A watch is a lease: renewed, it goes on (and is audited once); when its client goes away without a word,
    /// lookoutd ends it once the lease runs out. A watch id that is not one plain topic level is refused.
    @Test func aWatchWhoseClientWentAwayEndsWithItsLease() throws {
        let broker = try Self.broker()
        let fixture = try CLIFixture()
        let daemon = try Self.daemon(fixture, broker: broker)
        let alice = try RemoteAPITests.client("alice", broker: broker)
        let arguments = ["watch": "w-test", "lease": "5", "heartbeat": "100"]
        for id in ["w1", "w2"] {
            let request = APIRequest(id: id, expiresAt: WallClock.now() + 60_000, operation: .watch, arguments: arguments)
            #expect(try RemoteAPITests.publish(request, as: alice, topicUser: "alice") == MQTT5ReasonCode.success)
            let answer = try RemoteAPITests.answer(alice, id: id)
            #expect(answer.ok && answer.result?.sequence != nil, "\(answer)")
        }
        var heartbeat: MQTT5Message?
        while heartbeat == nil, let message = alice.nextMessage(timeout: 30) {
            if message.topic == "lookout/api/alice/resp/watch/w-test" { heartbeat = message }
        }
        #expect(heartbeat != nil, "no line pushed to lookout/api/alice/resp/watch/w-test")
        #expect(try fixture.store.auditEntries().filter { $0.operation == "watch" }.count == 1)

        for bad in ["a/b", "#", "+", ""] {
            let request = APIRequest(id: "bad-\(bad.count)-\(bad.utf8.first ?? 0)", expiresAt: WallClock.now() + 60_000,
                                     operation: .watch, arguments: ["watch": bad])
            #expect(try RemoteAPITests.publish(request, as: alice, topicUser: "alice") == MQTT5ReasonCode.success)
            #expect(try RemoteAPITests.answer(alice, id: request.id).error?.code == .badRequest)
        }
        alice.disconnect()
        try RemoteAPITests.waitForLog(daemon, "watch w-test of broker user alice ended (lease not renewed)")
    }
}
