import EventCore
import FoundationEssentials
import Glibc
import MQTTClient
import StaffAPI
import TerminalText
import Vocabulary

/// `lookout watch` through the broker (after `lookout login`): lookoutd pushes the change feed to
/// `lookout/api/<user>/resp/watch/<id>`, which only this broker user may read, for as long as the watch renews its
/// lease. lookoutd's retained status (with its last will) says at once when it is down; the connection says when the
/// broker is; heartbeats say when the status is stale. After any of them the watch starts again after the last
/// change it showed, so nothing is missed.
extension WatchCommand {
    /// Seconds of each lease; renewed at a third of it.
    static let remoteLeaseSeconds = 30

    /// Where a remote watch stands.
    private struct RemoteProgress {
        /// The last change shown (nil until lookoutd first said where the feed stands).
        var sequence: Int64?
        /// The current watch's id (a new one after every interruption) and the request that started it.
        var watchID = ""
        var startRequestID = ""
        /// Why lines may be missing right now, once announced: nil when all is well.
        var interruption: String?
        var announced = false
        var lastRenewal = Date()
        /// When the current watch was asked for.
        var lastAttempt = Date()
        /// lookoutd's retained status says it is offline.
        var daemonOffline = false
        var lastHeard = Date()
        var lastPrinted = Date()
        /// How changes become lines (history without the bell, the address once, the terminal's width).
        var feed: WatchFeed
    }

    /// Follows the change feed through the broker until Ctrl-C.
    func runRemote(_ settings: RemoteSettings) throws {
        let remote = RemoteAPIClient(settings: settings, timeoutSeconds: 30)
        let heartbeat = min(quietMilliseconds, 5_000)
        let staleSeconds = Double(3 * heartbeat) / 1000 + 5
        var progress = RemoteProgress(sequence: startFromBeginning ? 0 : nil, feed: WatchFeed(command: self))
        let client = try connectRemote(remote, progress: &progress)
        defer { client.disconnect() }
        try startRemoteWatch(on: client, remote: remote, progress: &progress, heartbeat: heartbeat)
        while !watchInterruptedNow {
            guard client.isConnected else {
                // libmosquitto reconnects by itself; the watch starts again as soon as it has.
                interrupt(&progress, tr("the broker connection is lost (%1$s): reconnecting; changes made meanwhile will be shown when it is back",
                                        remote.described))
                progress.lastAttempt = .distantPast
                sleepUnlessInterrupted(milliseconds: 200)
                continue
            }
            if progress.interruption != nil && !progress.daemonOffline && progress.lastAttempt.timeIntervalSinceNow < -5 {
                try startRemoteWatch(on: client, remote: remote, progress: &progress, heartbeat: heartbeat)
            }
            if let message = client.nextMessage(timeout: 0.2) {
                try take(message, remote: remote, progress: &progress)
            }
            let now = Date()
            guard progress.interruption == nil else { continue }
            if now.timeIntervalSince(progress.lastHeard) > staleSeconds {
                interrupt(&progress, tr("no word from lookoutd for %1$s s (its status is stale): asking again; changes made meanwhile will be shown",
                                        String(Int(staleSeconds))))
                progress.lastAttempt = .distantPast
            } else if now.timeIntervalSince(progress.lastRenewal) >= Double(Self.remoteLeaseSeconds) / 3 {
                progress.lastRenewal = now
                let renewal = watchRequest(progress, heartbeat: heartbeat)
                _ = try? client.publish(topic: "lookout/api/\(settings.username)/req/\(renewal.id)", payload: APILine.encode(renewal), qos: 1,
                                        properties: MQTT5Properties(messageExpirySeconds: UInt32(Self.remoteLeaseSeconds)))
            }
            if now.timeIntervalSince(progress.lastPrinted) * 1000 >= Double(quietMilliseconds) {
                Console.out(TimeText.clock(context.now) + "  " + tr("all quiet, lookoutd OK") + progress.feed.silenceReminder + "\n")
                progress.lastPrinted = now
            }
        }
    }

    private var watchInterruptedNow: Bool { watchInterrupted.load(ordering: .relaxed) }

    /// Connects as the logged-in user, subscribed to the user's answers and lookoutd's status; a broker that cannot be
    /// reached is a banner and another try, credentials it refuses the command's failure.
    private func connectRemote(_ remote: RemoteAPIClient, progress: inout RemoteProgress) throws -> MQTT5Client {
        while true {
            do {
                let client = try MQTT5Client(options: remote.options(), subscriptions: [
                    ("lookout/api/\(remote.settings.username)/resp/#", 1), (RemoteAPIClient.statusTopic, 1),
                ])
                try client.connect(timeout: 10)
                return client
            } catch {
                // Credentials or a subscription the broker refuses will not get better by waiting.
                if error.message.contains("refused") {
                    throw CLIError.failure(tr("cannot reach lookoutd at %1$s: %2$s", remote.described, error.message))
                }
                interrupt(&progress, tr("the broker connection is lost (%1$s): reconnecting; changes made meanwhile will be shown when it is back",
                                        remote.described + ": " + error.message))
                sleepUnlessInterrupted(milliseconds: 2_000)
                if watchInterruptedNow { throw CLIError.failure(tr("cannot reach lookoutd at %1$s: %2$s", remote.described, error.message)) }
            }
        }
    }

    /// The watch request: this watch's id, its lease, and where to start (after the last change shown).
    private func watchRequest(_ progress: RemoteProgress, heartbeat: Int, id: String = UUID().uuidString) -> APIRequest {
        var arguments = ["watch": progress.watchID, "lease": String(Self.remoteLeaseSeconds), "heartbeat": String(heartbeat),
                         "interval": String(pollMilliseconds)]
        if let sequence = progress.sequence { arguments["after"] = String(sequence) } else if let replay { arguments["replay"] = String(replay) }
        var request = context.apiRequest(.watch, arguments)
        request.id = id
        return request
    }

    /// Starts a new watch (a new id: pushes of an earlier one are ignored) after the last change shown.
    private func startRemoteWatch(on client: MQTT5Client, remote: RemoteAPIClient, progress: inout RemoteProgress,
                                  heartbeat: Int) throws {
        progress.watchID = "w-" + UUID().uuidString
        let request = watchRequest(progress, heartbeat: heartbeat)
        progress.startRequestID = request.id
        progress.lastRenewal = Date()
        progress.lastAttempt = Date()
        progress.lastHeard = Date()
        let user = remote.settings.username
        let code = try? client.publishAndWait(topic: "lookout/api/\(user)/req/\(request.id)", payload: APILine.encode(request),
                                              properties: MQTT5Properties(correlationData: Array(request.id.utf8),
                                                                          messageExpirySeconds: UInt32(Self.remoteLeaseSeconds)))
        if let code, code >= 128 {
            throw CLIError.failure(tr("the broker refused the request (%1$s): user %2$s may not publish under lookout/api/%3$s/req/ (see its ACL)",
                                      MQTT5Client.describeReason(code), user, user))
        }
    }

    /// One message from the broker: lookoutd's status, the answer to the watch request, or a line of the watch.
    private func take(_ message: MQTT5Message, remote: RemoteAPIClient, progress: inout RemoteProgress) throws {
        if message.topic == RemoteAPIClient.statusTopic {
            guard var status = try? JSONDecoder().decode(RemoteAPIClient.DaemonStatus.self, from: Data(message.payload)) else { return }
            // A last will's own time is when lookoutd connected; one that arrives live (not the retained copy) says
            // lookoutd went just now.
            if !message.retained && status.state == "offline" {
                status.at = WallClock.now()
                status.will = nil
            }
            progress.daemonOffline = status.state == "offline"
            if progress.daemonOffline {
                interrupt(&progress, tr("%1$s: changes made meanwhile will be shown when it is back", status.described))
            } else if progress.interruption != nil {
                progress.lastAttempt = .distantPast
            }
            return
        }
        let user = remote.settings.username
        let isLine = message.topic == "lookout/api/\(user)/resp/watch/\(progress.watchID)"
        guard isLine || message.topic == "lookout/api/\(user)/resp/\(progress.startRequestID)" else { return }
        let payload = message.payload.last == UInt8(ascii: "\n") ? Array(message.payload.dropLast()) : message.payload
        guard let response = try? APILine.decode(APIResponse.self, from: payload) else { return }
        guard response.ok, let result = response.result else {
            throw CLIError.failure(response.error.map(APIErrorText.message) ?? tr("lookoutd refused the watch"))
        }
        progress.lastHeard = Date()
        SiteZone.shared.adopt(result.siteTimeZone)
        if !progress.announced {
            progress.announced = true
            progress.feed.started(latest: result.latestSequence, start: result.sequence)
            Console.err(header(endpoint: remote.described, width: TerminalSize.columns(fileDescriptor: 2, environment: context.environment)) + "\n")
        }
        if progress.interruption != nil {
            progress.interruption = nil
            Console.out(context.style.paint(TimeText.clock(context.now) + "  " + tr("lookoutd is back: resuming after change %1$d", progress.sequence ?? 0), .green) + "\n")
            progress.lastPrinted = Date()
        }
        // A restarted watch may send again what an earlier one did: only what comes after the last change shown.
        let changes = (result.changes ?? []).filter { $0.sequence > (progress.sequence ?? -1) }
        if let last = changes.last { progress.sequence = last.sequence }
        let width = TerminalSize.columns(environment: context.environment)
        let lines = progress.feed.silenceBanner(result.silencesInForce, now: context.now, width: width)
            + progress.feed.receive(changes, teams: result.changeTeams ?? [:], now: context.now, width: width)
        if !lines.isEmpty {
            Console.out(lines)
            progress.lastPrinted = Date()
        }
        if progress.sequence == nil, let at = result.sequence { progress.sequence = at }
    }

    /// Says, with the bell, that lines may be missing now and why (once for each reason: a broker that stops first
    /// publishes lookoutd's last will, then drops the connection); the watch starts again when it can.
    private func interrupt(_ progress: inout RemoteProgress, _ why: String) {
        progress.lastHeard = Date()
        guard progress.interruption != why else { return }
        progress.interruption = why
        Console.out(context.style.paint(TimeText.clock(context.now) + "  *** " + TextSanitizer.sanitize(why) + " ***", .alarm)
                    + (bell ? "\u{07}" : "") + "\n")
    }
}
