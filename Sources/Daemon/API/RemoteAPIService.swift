import EventCore
import FoundationEssentials
import MQTTClient
import StaffAPI
import Synchronization
import Vocabulary
#if canImport(Glibc)
import Glibc
#endif

/// The door for staff on other machines (issue 16): the staff API over the broker, MQTT 5 request/response on a
/// connection of its own (`[remote]`), beside the local socket and independent of the device session.
///
/// Who acts is the broker user whose name is the `+` of `lookout/api/+/req/#`: the broker's ACL
/// (`pattern write lookout/api/%u/req/#`, config/mosquitto.acl) lets only that user write there. That holds only if
/// the ACL is in force, so at start the service publishes under another user's request topic and requires the
/// broker's refusal (reason code 135); otherwise it logs one error line, counts it, and serves nothing. Answers go to
/// `lookout/api/<user>/resp/<rest of the request topic>`, built here, never the topic a client names.
final class RemoteAPIService: Service, Sendable {
    let name = "remote-api"
    /// The subscription: every user's requests.
    static let requestFilter = "lookout/api/+/req/#"
    /// lookoutd's retained state for staff on other machines (`lookout status` through the broker): `online` while
    /// the API connection is up, `offline` with the reason when it stops, and the same as the connection's last will,
    /// which the broker publishes when lookoutd dies without a goodbye (`kill -9`, a crash, a lost network).
    static let statusTopic = "lookout/status/lookoutd"
    /// The user segment of the start-up check's topic: not a broker user name anyone is given.
    static let checkUser = "~acl-check"
    /// Seconds between attempts to reach the broker.
    static let retrySeconds = 5.0
    /// The broker keeps lookoutd's API session (and queues requests) this long while it is away; each request's own
    /// expiry still decides whether it runs.
    static let sessionExpirySeconds: UInt32 = 3_600
    /// Longest lifetime a request may ask for: a redelivered request is recognised for this long (and refused
    /// as expired after it).
    static let maximumLifetimeMillis: EpochMillis = 86_400_000

    let options: MQTTOptions
    let staffPath: String
    let handler: StaffRequestHandler
    let log: Logger
    let directory: Mutex<StaffDirectory>
    let store: StaffStore
    /// Answers of recent requests by user and request id, for a redelivery within the process's life.
    let answered = Mutex<[String: (response: APIResponse, expiresAt: EpochMillis)]>([:])
    /// The watches over the broker by user and watch id (RemoteAPIService+Watch.swift).
    let watches = Mutex<[String: RemoteWatch]>([:])
    private let stop = StopSignal()

    /// Serves the broker at `options` for the members of `directory` (read from `staffPath`, reread on SIGHUP).
    init(options: MQTTOptions, staffPath: String, directory: StaffDirectory, silenceMaximumMillis: EpochMillis,
         siteTimeZone: String = ZoneInfo.siteDefaultName, log: Logger,
         notificationPolicy: @escaping @Sendable () -> NotificationPolicy,
         openStore: @escaping @Sendable () throws -> EventStore) {
        self.options = options
        self.staffPath = staffPath
        self.directory = Mutex(directory)
        self.handler = StaffRequestHandler(silenceMaximumMillis: silenceMaximumMillis, siteTimeZone: siteTimeZone)
        self.log = log
        self.store = StaffStore(door: "remote staff API", key: "remote", log: log, notificationPolicy: notificationPolicy,
                                openStore: openStore)
    }

    func run() throws {
        RemoteAPIHealth.state = .connecting
        defer { RemoteAPIHealth.state = .off }
        let broker = "\(options.host):\(options.port)"
        guard let refusedOwnPublish = checkACL() else { return }
        guard refusedOwnPublish else {
            RemoteAPIHealth.state = .refused
            RemoteAPIHealth.countACLCheckFailure()
            log.error("remote staff API NOT served: the broker at \(broker) accepted lookoutd's own publish under another user's request topic (lookout/api/\(Self.checkUser)/req/…), so a request topic would not prove who sent it; install the ACL (config/mosquitto.acl, docs/operators.md) and restart lookoutd")
            while !stop.isSet { _ = stop.wait(seconds: 3_600) }
            return
        }
        var reloadSeen = SignalState.reloadGeneration
        while !stop.isSet {
            let client: MQTT5Client
            do {
                client = try MQTT5Client(options: options, subscriptions: [(Self.requestFilter, 1)],
                                         sessionExpirySeconds: Self.sessionExpirySeconds,
                                         will: (Self.statusTopic, Self.statusPayload("offline", reason: "lookoutd's connection ended without a goodbye (it died or lost the network)", will: true)))
                try client.connect()
                try client.publish(topic: Self.statusTopic, payload: Self.statusPayload("online", reason: ""), qos: 1, retain: true)
            } catch {
                log.error("remote staff API: cannot serve through \(broker): \(error) (retrying every \(Int(Self.retrySeconds)) s)",
                          key: "remote-connect")
                _ = stop.wait(seconds: Self.retrySeconds)
                continue
            }
            RemoteAPIHealth.state = .serving
            log.info("remote staff API serving \(Self.requestFilter) at \(broker) as broker user \(options.username ?? "(none)")")
            var wasConnected = true
            while !stop.isSet {
                // After a reconnect the retained status is the last will the broker published when the connection
                // dropped (or gone, after a broker restart without persistence): online again.
                let connected = client.isConnected
                if connected && !wasConnected {
                    _ = try? client.publish(topic: Self.statusTopic, payload: Self.statusPayload("online", reason: ""), qos: 1, retain: true)
                }
                wasConnected = connected
                let generation = SignalState.reloadGeneration
                if generation != reloadSeen {
                    reloadSeen = generation
                    reloadDirectory()
                }
                if let message = client.nextMessage(timeout: hasWatches ? 0.02 : 0.2) { serve(message, on: client) }
                pushWatches(on: client)
            }
            _ = try? client.publishAndWait(topic: Self.statusTopic, payload: Self.statusPayload("offline", reason: "lookoutd stopped"),
                                           properties: MQTT5Properties(), timeout: 2, retain: true)
            client.disconnect()
        }
    }

    func shutdown() {
        stop.fire()
    }

    /// The retained status: `{"state":"online","at":…,"pid":…,"version":"…"}`, with a reason when offline.
    /// `will`: this is the last will, set up at connect: its `at` is when lookoutd connected, not when it went.
    static func statusPayload(_ state: String, reason: String, will: Bool = false) -> [UInt8] {
        struct Status: Encodable {
            let state: String
            let reason: String?
            let at: EpochMillis
            let pid: Int32
            let version: String
            let will: Bool?
        }
        let status = Status(state: state, reason: reason.isEmpty ? nil : reason, at: WallClock.now(), pid: getpid(),
                            version: lookoutVersion, will: will ? true : nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return Array((try? encoder.encode(status)) ?? Data())
    }

    /// Publishes QoS 1 under another user's request topic on a connection without subscriptions: true when the
    /// broker refused it (135), false when it accepted it, nil when stopped before the broker could be asked.
    private func checkACL() -> Bool? {
        var checkOptions = options
        checkOptions.clientID = options.clientID + "-check"
        checkOptions.cleanSession = true
        while !stop.isSet {
            do {
                let client = try MQTT5Client(options: checkOptions)
                try client.connect()
                defer { client.disconnect() }
                let code = try client.publishAndWait(topic: "lookout/api/\(Self.checkUser)/req/acl-check",
                                                     payload: Array("acl check".utf8),
                                                     properties: MQTT5Properties(messageExpirySeconds: 1))
                if code == MQTT5ReasonCode.notAuthorized {
                    log.info("remote staff API: the broker refuses lookoutd's publish under another user's request topic (ACL in force)")
                    return true
                }
                log.debug("remote staff API: ACL check publish answered with reason code \(code)")
                return false
            } catch {
                log.error("remote staff API: cannot check the broker's ACL at \(options.host):\(options.port): \(error) (retrying every \(Int(Self.retrySeconds)) s)",
                          key: "remote-check")
                _ = stop.wait(seconds: Self.retrySeconds)
            }
        }
        return nil
    }

    /// SIGHUP: rereads the staff directory; one with errors keeps the directory in force (the local API logs it).
    private func reloadDirectory() {
        if let loaded = try? StaffDirectory.load(path: staffPath) { directory.withLock { $0 = loaded } }
    }
}
