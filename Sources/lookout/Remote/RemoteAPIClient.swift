import FoundationEssentials
import MQTTClient
import StaffAPI
import TerminalText
import Vocabulary

/// The CLI's end of the broker door: sends one request as the logged-in broker user under
/// `lookout/api/<user>/req/<request id>` (MQTT 5, with correlation data and a message expiry) and waits for
/// lookoutd's answer on `lookout/api/<user>/resp/<request id>`. Who asks is the broker user, whom the broker
/// authenticated and whose topic only they may write; nothing in the request says it.
struct RemoteAPIClient: Sendable {
    /// Where and as whom.
    var settings: RemoteSettings
    /// Seconds to wait for the broker and for lookoutd's answer.
    var timeoutSeconds: Int

    /// `broker HOST:PORT as USER`, for messages.
    var described: String { "broker \(settings.host):\(settings.port) as \(settings.username)" }

    /// MQTT options for the logged-in user: a fresh client id, no session to keep.
    func options() -> MQTTOptions {
        var options = MQTTOptions()
        options.host = settings.host
        options.port = settings.port
        options.clientID = "lookout-\(settings.username)-\(UUID().uuidString.prefix(8))"
        options.cleanSession = true
        options.username = settings.username
        options.password = settings.password
        options.keepAliveSeconds = max(10, timeoutSeconds)
        options.tls = settings.caFile.map { TLSOptions(caFile: $0) }
        return options
    }

    /// lookoutd's retained status topic (its `RemoteAPIService.statusTopic`).
    static let statusTopic = "lookout/status/lookoutd"

    /// lookoutd's retained status as the broker keeps it.
    struct DaemonStatus: Decodable {
        var state: String
        var reason: String?
        var at: EpochMillis
        var pid: Int32?
        /// The last will: `at` is when that lookoutd connected (a will is written then), not when it went.
        var will: Bool?

        /// `lookoutd is down since 2026-12-07 22:10:03 (pid 4242): …`, sanitized (it comes from the broker). For a
        /// last will kept by the broker the time it went is unknown: it says since when that lookoutd had been up.
        var described: String {
            let pidText = pid.map { String($0) } ?? "?", why = TextSanitizer.sanitize(reason ?? "offline")
            if will == true {
                return tr("lookoutd is down (the broker's retained status: the last will of the lookoutd up since %1$s, pid %2$s): %3$s",
                          TimeText.local(at), pidText, why)
            }
            return tr("lookoutd is down since %1$s (the broker's retained status, pid %2$s): %3$s", TimeText.local(at), pidText, why)
        }
    }

    /// Connects as the user and disconnects: whether the broker takes the credentials (`lookout login`).
    func checkLogin() throws(LocalAPIClient.Failure) {
        do {
            let client = try MQTT5Client(options: options())
            try client.connect(timeout: Double(timeoutSeconds))
            client.disconnect()
        } catch {
            throw .transport("\(error.message)")
        }
    }

    /// Sends `request` and returns lookoutd's answer.
    func send(_ request: APIRequest) throws(LocalAPIClient.Failure) -> APIResponse {
        let user = settings.username
        let answers = "lookout/api/\(user)/resp/\(request.id)"
        let correlation = Array(request.id.utf8)
        do {
            // lookoutd's retained status comes with the subscription: if no answer comes, it says whether lookoutd is
            // down (and why) or up and not answering.
            let client = try MQTT5Client(options: options(), subscriptions: [(answers, 1), (Self.statusTopic, 1)])
            try client.connect(timeout: Double(timeoutSeconds))
            defer { client.disconnect() }
            let lifetime = max(1, (request.expiresAt - WallClock.now()) / 1000)
            let code = try client.publishAndWait(
                topic: "lookout/api/\(user)/req/\(request.id)", payload: try APILine.encode(request),
                properties: MQTT5Properties(responseTopic: answers, correlationData: correlation,
                                            messageExpirySeconds: UInt32(clamping: lifetime)),
                timeout: Double(timeoutSeconds))
            guard code < 128 else {
                throw LocalAPIClient.Failure.transport(tr("the broker refused the request (%1$s): user %2$s may not publish under lookout/api/%3$s/req/ (see its ACL)", MQTT5Client.describeReason(code), user, user))
            }
            let deadline = WallClock.now() + EpochMillis(timeoutSeconds) * 1000
            var status: DaemonStatus?
            while WallClock.now() < deadline {
                guard let message = client.nextMessage(timeout: Double(deadline - WallClock.now()) / 1000) else { break }
                if message.topic == Self.statusTopic {
                    status = try? JSONDecoder().decode(DaemonStatus.self, from: Data(message.payload))
                    // Down: no answer will come; say so at once rather than after the timeout.
                    if let status, status.state == "offline" { throw LocalAPIClient.Failure.transport(status.described) }
                    continue
                }
                guard message.properties.correlationData == correlation else { continue }
                let line = message.payload.last == UInt8(ascii: "\n") ? Array(message.payload.dropLast()) : message.payload
                return try APILine.decode(APIResponse.self, from: line)
            }
            throw LocalAPIClient.Failure.transport(tr("no answer from lookoutd within %1$s s (is it serving [remote]? 'lookout status' on the server says)", "\(timeoutSeconds)"))
        } catch let failure as LocalAPIClient.Failure {
            throw failure
        } catch let error as MQTTError {
            throw .transport(error.message)
        } catch {
            throw .transport("\(error)")
        }
    }
}
