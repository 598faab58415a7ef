import EventCore
import FoundationEssentials
import MQTTClient
import StaffAPI
import Vocabulary

/// One request over the broker: who sent it (the topic), whether it was seen before (request id), and the answer.
extension RemoteAPIService {
    /// Most answers remembered for redeliveries; beyond it the audit alone recognises them.
    static let answersKept = 10_000

    /// The requesting broker user and the rest of a request topic (`lookout/api/<user>/req/<id>…`), nil for another
    /// topic. At least one level after `req`: a device account may write four-level topics (`+/+/%u/+` in the shipped
    /// ACL), so a device named like a staff member could write `lookout/api/<name>/req` but never below it.
    static func requester(of topic: String) -> (user: String, rest: [String])? {
        let parts = topic.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 5, parts[0] == "lookout", parts[1] == "api", parts[3] == "req", !parts[2].isEmpty,
              !parts[4].isEmpty else {
            return nil
        }
        return (parts[2], Array(parts.dropFirst(4)))
    }

    /// Where `user`'s answer goes: built from the user the broker vouched for, never a topic the client names.
    static func responseTopic(user: String, rest: [String]) -> String {
        (["lookout", "api", user, "resp"] + rest).joined(separator: "/")
    }

    /// Answers one message on `client`, with the request's correlation data.
    func serve(_ message: MQTT5Message, on client: MQTT5Client) {
        guard let (user, rest) = Self.requester(of: message.topic), user != Self.checkUser else { return }
        let response = answer(message.payload, user: user)
        do {
            try client.publish(topic: Self.responseTopic(user: user, rest: rest), payload: APILine.encode(response), qos: 1,
                               properties: MQTT5Properties(correlationData: message.properties.correlationData,
                                                           messageExpirySeconds: 3_600))
        } catch {
            log.warning("remote staff API: could not answer broker user \(TextSanitizer.sanitize(user)): \(error)", key: "remote-answer")
        }
    }

    /// The answer to `payload` from broker user `user`: for a change, the first answer again for a request id already
    /// handled (a redelivery), else the handler's (which checks the directory, the role and the request's expiry, and writes the audit).
    func answer(_ payload: [UInt8], user: String) -> APIResponse {
        let caller = StaffRequestHandler.Caller(user: user, hasName: true, origin: "broker user \(user)",
                                                described: "broker user \(TextSanitizer.sanitize(user))")
        let now = WallClock.now()
        guard let request = try? APILine.decode(APIRequest.self, from: payload) else {
            return refuse(APIError(.badRequest, "not a staff API request (one JSON object)"), request: nil, caller: caller, now: now)
        }
        let requestID = String(request.id.prefix(128))
        let key = user + "\n" + requestID
        if let earlier = answered.withLock({ $0[key]?.response }) {
            log.info("remote staff API: \(caller.described): request \(TextSanitizer.sanitize(requestID)) came again; answered as the first time, not run again")
            return earlier
        }
        guard !requestID.isEmpty else {
            return refuse(APIError(.badRequest, "a request over the broker needs an id"), request: request, caller: caller, now: now)
        }
        guard request.expiresAt <= now + Self.maximumLifetimeMillis else {
            return refuse(APIError(.badRequest, "a request over the broker may live at most 24 h (expires_at)"), request: request,
                          caller: caller, now: now)
        }
        // A watch is a lease on a push (RemoteAPIService+Watch.swift), renewed with the same request again.
        if request.operation == APIOperation.watch.rawValue { return watch(request, user: user, caller: caller, now: now) }
        // A read runs again (it changes nothing), and its answer, which may list whole tables, is not kept.
        if APIOperation(rawValue: request.operation)?.isRead == true { return run(request, from: caller, now: now) }
        if let entry = look({ try $0.auditEntry(user: user, requestID: requestID, since: now - Self.maximumLifetimeMillis) }) {
            log.info("remote staff API: \(caller.described): request \(TextSanitizer.sanitize(requestID)) came again; not run again")
            return APIResponse(id: request.id, error: APIError(.duplicate,
                "request \(requestID) was already handled at \(CivilTime.format(entry.at, "%Y-%m-%dT%H:%M:%SZ", utc: true)) (\(entry.outcome.rawValue)); it did not run again"))
        }
        let response = run(request, from: caller, now: now)
        answered.withLock { answers in
            if answers.count >= Self.answersKept { answers = answers.filter { $0.value.expiresAt >= now } }
            if answers.count >= Self.answersKept { answers.removeAll() }
            answers[key] = (response, request.expiresAt)
        }
        return response
    }

    /// Checks, runs and records one request on the service's store (as the local API does).
    private func run(_ request: APIRequest, from caller: StaffRequestHandler.Caller, now: EpochMillis) -> APIResponse {
        store.run(request, from: caller, directory: directory.withLock { $0 }, handler: handler, now: now)
    }

    /// The answer to a request refused before the handler, after recording it in the audit.
    func refuse(_ error: APIError, request: APIRequest?, caller: StaffRequestHandler.Caller, now: EpochMillis) -> APIResponse {
        let entry = AuditEntry(at: now, user: caller.user, origin: caller.origin,
                               operation: String((request?.operation ?? "").prefix(64)), outcome: .badRequest,
                               detail: String(error.message.prefix(500)), requestID: String((request?.id ?? "").prefix(128)))
        if look({ try $0.recordAudit(entry) }) == nil {
            log.error("remote staff API: cannot record a refused request of \(caller.described)", key: "remote-audit")
        }
        log.info("remote staff API: \(caller.described): \(TextSanitizer.sanitize(error.message))")
        return APIResponse(id: request?.id ?? "", error: error)
    }

    /// `body` on the service's store, nil (logged) when it fails.
    private func look<T: Sendable>(_ body: (EventStore) throws -> T?) -> T? { store.look(body) }
}
