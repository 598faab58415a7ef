import EventCore
import FoundationEssentials
import MQTTClient
import StaffAPI
import Vocabulary

/// `lookout watch` over the broker (issue 16): a watch request starts (or renews) a lease, and lookoutd pushes the
/// change feed on a topic it builds from the broker user, from the sequence number the client asked for.
///
/// The request is `watch` with `watch` (the client's id for this watch), `lease` (seconds, 5 to 300), and where to
/// start: `after` (the last change the client showed: a client that reconnects resumes there and misses nothing) or
/// `replay` (the last N changes). The client renews by sending the same request again before the lease ends; a
/// renewal of a watch lookoutd still has only extends it (it is not audited again), one it no longer has (lookoutd
/// restarted, the lease ran out) starts again from `after`. The lines pushed are the local watch's: an
/// `APIResponse` with the changes and the sequence reached, a line without changes as a heartbeat.
extension RemoteAPIService {
    /// Watches served at once; more are refused.
    static let maximumWatches = 256
    /// Watches one user may hold; a new one beyond it ends their oldest.
    static let maximumWatchesPerUser = 8
    /// Changes per pushed line.
    static let watchBatchSize = 200
    /// Lines pushed to one watch per look, at most (a watch far behind catches up over several looks).
    static let watchBatchesPerLook = 5

    /// Starts or renews `user`'s watch; the answer carries where the feed stands.
    func watch(_ request: APIRequest, user: String, caller: StaffRequestHandler.Caller, now: EpochMillis) -> APIResponse {
        let arguments = request.arguments
        guard let watchID = arguments["watch"], RemoteWatch.isValidID(watchID) else {
            return refuseWatch(request, caller: caller, now: now,
                               "a watch over the broker needs 'watch': 1 to 64 letters, digits, '.', '_' or '-'")
        }
        let key = RemoteWatch.key(user: user, watchID: watchID)
        let leaseMillis = EpochMillis(min(max(Int(arguments["lease"] ?? "") ?? 30, 5), 300)) * 1000
        guard directory.withLock({ $0.member(user) }) != nil else {
            // Taken out of the directory: the watch ends, and the handler refuses (and records) the request.
            watches.withLock { _ = $0.removeValue(forKey: key) }
            return store.run(request, from: caller, directory: directory.withLock { $0 }, handler: handler, now: now)
        }
        if let sequence = watches.withLock({ table -> Int64? in
            table[key]?.leaseUntil = now + leaseMillis
            return table[key]?.sequence
        }) {
            var result = APIResult(actor: user)
            result.sequence = sequence
            return APIResponse(id: request.id, result: result)
        }
        let response = store.run(request, from: caller, directory: directory.withLock { $0 }, handler: handler, now: now)
        guard var result = response.result, response.ok else { return response }
        // The newest change now, said in the answer: what the client asked for up to it is history (no bell).
        guard let latest = store.look({ try $0.latestChangeSequence() }) else {
            return APIResponse(id: request.id, error: APIError(.unavailable, "lookoutd cannot read the change feed"))
        }
        let start = arguments["after"].flatMap(Int64.init) ?? max(0, latest - (arguments["replay"].flatMap(Int64.init) ?? 0))
        let watch = RemoteWatch(user: user, watchID: watchID, requestID: request.id,
                                topic: RemoteWatch.topic(user: user, watchID: watchID), sequence: start,
                                leaseUntil: now + leaseMillis,
                                heartbeatMillis: min(max(EpochMillis(arguments["heartbeat"] ?? "") ?? 5_000, 100), 300_000),
                                intervalMillis: min(max(EpochMillis(arguments["interval"] ?? "") ?? 200, 20), 5_000))
        let admitted = watches.withLock { table -> Bool in
            table = table.filter { $0.value.leaseUntil > now }
            let own = table.values.filter { $0.user == user }.sorted { $0.leaseUntil < $1.leaseUntil }
            if own.count >= Self.maximumWatchesPerUser, let oldest = own.first { table[oldest.key] = nil }
            guard table.count < Self.maximumWatches else { return false }
            table[key] = watch
            return true
        }
        guard admitted else {
            log.warning("remote staff API: too many watches, one of \(caller.described) turned away", key: "remote-watches")
            return APIResponse(id: request.id, error: APIError(.unavailable, "lookoutd is serving too many watches; try again"))
        }
        log.info("remote staff API: \(caller.described) watches the change feed after \(start) (watch \(watchID))")
        result.sequence = start
        result.latestSequence = latest
        return APIResponse(id: request.id, result: result)
    }

    /// Whether any watch is being served (the service then looks more often).
    var hasWatches: Bool { watches.withLock { !$0.isEmpty } }

    /// Ends the watches whose lease ran out and pushes what is due to the others: the changes after each one's
    /// sequence, or a heartbeat. Nothing while the connection is down: each watch then stays where it was.
    func pushWatches(on client: MQTT5Client) {
        let now = WallClock.now()
        let due: [RemoteWatch] = watches.withLock { table in
            let expired = table.values.filter { $0.leaseUntil <= now }
            for watch in expired {
                table[watch.key] = nil
                log.info("remote staff API: watch \(watch.watchID) of broker user \(TextSanitizer.sanitize(watch.user)) ended (lease not renewed)")
            }
            return table.values.filter { now - $0.lastLook >= $0.intervalMillis }
        }
        guard !due.isEmpty, client.isConnected else { return }
        // Watches at the same place share one look.
        var looked: [Int64: (changes: [EventChange], teams: [String: [EventTeam]])] = [:]
        for var watch in due {
            watch.lastLook = now
            var pushed = false
            for _ in 0..<Self.watchBatchesPerLook {
                guard let batch = looked[watch.sequence] ?? store.watchBatch(after: watch.sequence, limit: Self.watchBatchSize) else { break }
                looked[watch.sequence] = batch
                guard let last = batch.changes.last else { break }
                guard push(batch.changes, teams: batch.teams, reaching: last.sequence, to: watch, on: client) else { break }
                watch.sequence = last.sequence
                watch.lastSent = now
                pushed = true
                if batch.changes.count < Self.watchBatchSize { break }
            }
            if !pushed && now - watch.lastSent >= watch.heartbeatMillis,
               push([], teams: [:], reaching: watch.sequence, to: watch, on: client) {
                watch.lastSent = now
            }
            watches.withLock { table in
                guard table[watch.key]?.requestID == watch.requestID else { return }
                table[watch.key]?.sequence = watch.sequence
                table[watch.key]?.lastSent = watch.lastSent
                table[watch.key]?.lastLook = watch.lastLook
            }
        }
    }

    /// Publishes one line of `watch` (QoS 1); false when libmosquitto would not take it.
    private func push(_ changes: [EventChange], teams: [String: [EventTeam]], reaching sequence: Int64,
                      to watch: RemoteWatch, on client: MQTT5Client) -> Bool {
        var result = APIResult(actor: watch.user)
        result.changes = changes
        result.sequence = sequence
        result.changeTeams = teams.isEmpty ? nil : teams
        do {
            try client.publish(topic: watch.topic, payload: APILine.encode(APIResponse(id: watch.requestID, result: result)), qos: 1,
                               properties: MQTT5Properties(correlationData: Array(watch.requestID.utf8), messageExpirySeconds: 60))
            return true
        } catch {
            log.warning("remote staff API: could not push to the watch of broker user \(TextSanitizer.sanitize(watch.user)): \(error)",
                        key: "remote-watch")
            return false
        }
    }

    /// A watch request refused before the handler, recorded like the other refusals.
    private func refuseWatch(_ request: APIRequest, caller: StaffRequestHandler.Caller, now: EpochMillis, _ message: String) -> APIResponse {
        refuse(APIError(.badRequest, message), request: request, caller: caller, now: now)
    }
}
