import EventCore
import FoundationEssentials
import StaffAPI
import Vocabulary
#if canImport(Glibc)
import Glibc
#endif

/// Runs one staff API request for an authenticated caller: checks the staff directory and the role, runs the
/// operation on the event core in one short transaction together with its audit row, and answers. Every request,
/// refused or not, leaves an audit row. Transport-independent: the local socket calls it now, the broker later.
struct StaffRequestHandler {
    /// Longest silence without `--force` (`[silences] max_duration`).
    var silenceMaximumMillis: EpochMillis
    /// The community's time zone (`[site] time_zone`), told in every answer.
    var siteTimeZone: String = ZoneInfo.siteDefaultName

    /// Who asked, as the transport vouches for it.
    struct Caller {
        /// The login name (`uid N` without one).
        var user: String
        /// Whether `user` is a login the directory can list.
        var hasName: Bool
        /// For the audit: `local uid 1000`.
        var origin: String
        /// For messages: `user alice (uid 1000)`.
        var described: String
    }

    /// A request that does not run, with its audit outcome.
    struct Stop: Error {
        var error: APIError
        var outcome: AuditEntry.Outcome
    }

    /// Answers `request` from `caller`; writes the audit row (a failure to write it is logged by the caller through
    /// the returned message and makes the request fail: nothing runs unrecorded).
    func handle(_ request: APIRequest, from caller: Caller, directory: StaffDirectory, store: EventStore,
                now: EpochMillis) -> (response: APIResponse, auditFailure: String?) {
        let onBehalfOf = request.onBehalfOf.map { TextSanitizer.sanitize($0) }
        var audit = AuditEntry(at: now, user: caller.user, origin: caller.origin, onBehalfOf: onBehalfOf ?? "",
                               operation: String(request.operation.prefix(64)),
                               eventID: String((request.arguments["id"] ?? "").prefix(64)), outcome: .ok,
                               requestID: String(request.id.prefix(128)))
        do {
            let (operation, member) = try admit(request, caller: caller, directory: directory, now: now)
            if operation == .status {
                // Status is how staff learn that the disk is full: answered even when its audit row cannot be
                // written then (the only request that is; it reads and changes nothing).
                let result = try run(operation, request: request, member: member, directory: directory, store: store, now: now)
                try? store.recordAudit(audit)
                return (APIResponse(id: request.id, result: result), nil)
            }
            if operation.isRead {
                // A read (a long `events --all`, `audit verify`) runs in a read transaction, never holding the write
                // lock that intake needs; its audit row follows in a short write transaction, and the answer goes
                // out only once that is written.
                var result = try store.readingOneSnapshot { try run(operation, request: request, member: member, directory: directory, store: store, now: now) }
                if let event = result.event { audit.eventID = event.id }
                if let note = ResidentPrivacy.apply(to: &result, operation: operation, member: member) { audit.detail = note }
                try store.transaction { try store.recordAudit(audit) }
                return (APIResponse(id: request.id, result: result), nil)
            }
            let result = try store.transaction {
                var result = try run(operation, request: request, member: member, directory: directory, store: store, now: now)
                if let event = result.event { audit.eventID = event.id }
                if let detail = Self.handoverDetail(operation, result) { audit.detail = detail }
                // What of residents' personal data this answer shows is decided here, for every operation, and
                // recorded with it (who, when, which event).
                if let note = ResidentPrivacy.apply(to: &result, operation: operation, member: member) { audit.detail = note }
                try store.recordAudit(audit)
                return result
            }
            return (APIResponse(id: request.id, result: result), nil)
        } catch let stop as Stop {
            return refuse(request, stop.error, outcome: stop.outcome, audit: audit, store: store)
        } catch let error as EventStoreError {
            return refuse(request, APIError(error), outcome: .failed, audit: audit, store: store)
        } catch let refusal as SilenceRefusal {
            return refuse(request, APIError(.failed, "silence add refused: " + refusal.description), outcome: .failed,
                          audit: audit, store: store)
        } catch {
            return refuse(request, APIError(.unavailable, "lookoutd could not do it: \(error)"), outcome: .failed,
                          audit: audit, store: store)
        }
    }

    /// The answer to a request that did not run, after recording it.
    private func refuse(_ request: APIRequest, _ error: APIError, outcome: AuditEntry.Outcome, audit: AuditEntry,
                        store: EventStore) -> (response: APIResponse, auditFailure: String?) {
        var audit = audit
        audit.outcome = outcome
        audit.detail = String(error.message.prefix(500))
        do {
            try store.recordAudit(audit)
            return (APIResponse(id: request.id, error: error), nil)
        } catch {
            return (APIResponse(id: request.id, error: APIError(.unavailable, "lookoutd could not record the request: \(error)")),
                    "\(error)")
        }
    }

    /// The operation and the member, or why the request does not run (unknown operation, expired, not in the
    /// directory, a bad `on behalf of`).
    private func admit(_ request: APIRequest, caller: Caller, directory: StaffDirectory, now: EpochMillis) throws
        -> (APIOperation, StaffMember)
    {
        guard let operation = APIOperation(rawValue: request.operation) else {
            throw Stop(error: APIError(.badRequest, "unknown operation '\(TextSanitizer.sanitize(String(request.operation.prefix(64))))'"),
                       outcome: .badRequest)
        }
        guard request.expiresAt >= now else {
            throw Stop(error: APIError(.expired, "the request expired before lookoutd received it; nothing was done"),
                       outcome: .expired)
        }
        guard caller.hasName, let member = directory.member(caller.user) else {
            throw Stop(error: APIError(.unknownUser, "\(caller.described) is not in the staff directory \(directory.sourcePath)",
                                       reason: APIError.notInDirectory, values: [caller.described, directory.sourcePath]),
                       outcome: .refused)
        }
        if let onBehalfOf = request.onBehalfOf {
            guard !onBehalfOf.isEmpty, onBehalfOf.count <= 64, TextSanitizer.isSafe(onBehalfOf) else {
                throw Stop(error: APIError(.badRequest, "--as needs a name of at most 64 printable characters"), outcome: .badRequest)
            }
        }
        return (operation, member)
    }

    /// Checks the role and runs the operation (inside the caller's transaction).
    /// A request's arguments, read the way every operation reads them: a missing one or a malformed time is a
    /// bad request naming the argument.
    struct Arguments {
        let operation: APIOperation
        let values: [String: String]
        /// Whom the user acted for (a field worker who phoned in), when not themselves.
        let onBehalfOf: String?

        subscript(_ name: String) -> String? { values[name] }

        /// A note with whom the user acted for in front: the timeline names the user, and the person they acted for.
        func noted(_ text: String) -> String {
            guard let onBehalfOf else { return text }
            return "on behalf of \(onBehalfOf)" + (text.isEmpty ? "" : ": " + text)
        }

        /// The argument `name`, which must be there and not blank.
        func argument(_ name: String) throws -> String {
            guard let value = values[name], !value.allSatisfy(\.isWhitespace) else {
                throw Stop(error: APIError(.badRequest, "\(operation.rawValue) needs '\(name)'"), outcome: .badRequest)
            }
            return value
        }

        /// The argument `name` as milliseconds since 1970.
        func time(_ name: String) throws -> EpochMillis {
            guard let value = EpochMillis(try argument(name)) else {
                throw Stop(error: APIError(.badRequest, "\(operation.rawValue): '\(name)' must be milliseconds since 1970"),
                           outcome: .badRequest)
            }
            return value
        }
    }

    private func run(_ operation: APIOperation, request: APIRequest, member: StaffMember, directory: StaffDirectory,
                     store: EventStore, now: EpochMillis) throws -> APIResult {
        let args = Arguments(operation: operation, values: request.arguments,
                             onBehalfOf: request.onBehalfOf.flatMap { $0 == member.user ? nil : $0 })
        var eventID: String?
        var eventTeams: [String]?
        if operation.actsOnEvent {
            eventID = try args.argument("id")
            eventTeams = try store.event(id: eventID!).map { TeamName.staff($0.teams) }
        }
        let force = args["force"] == "true"
        let team = args["team"]
        let required = StaffAccess.requiredRole(operation, member: member, eventTeams: eventTeams, team: team, force: force)
        guard member.role >= required else {
            let action = StaffAccess.describe(operation, eventID: eventID, eventTeams: eventTeams, team: team, force: force)
            throw Stop(error: APIError(.refused, StaffAccess.refusal(member: member, action: action, required: required),
                                       requiredRole: required, reason: APIError.refusedRole,
                                       values: [member.user, member.role.rawValue, required.rawValue]), outcome: .refused)
        }
        var result = APIResult(actor: member.user, onBehalfOf: args.onBehalfOf)
        if operation == .handover || operation == .handoverGive || operation == .handoverAccept {
            try handover(operation, args, actor: member.user, directory: directory, store: store, now: now, into: &result)
        } else if operation.isRead {
            try read(operation, args, store: store, now: now, into: &result)
        } else {
            try act(operation, args, eventID: eventID, actor: member.user, force: force, store: store, now: now, into: &result)
        }
        return result
    }

    /// Runs an operation that changes something (an event, a silence, an away note, a test message).
    private func act(_ operation: APIOperation, _ args: Arguments, eventID: String?, actor: String, force: Bool,
                     store: EventStore, now: EpochMillis, into result: inout APIResult) throws {
        let arguments = args.values
        let note = args.noted(arguments["note"] ?? "")
        switch operation {
        case .acknowledge:
            result.event = try store.perform(.acknowledge, on: eventID!, actor: actor, note: note, at: now)
        case .reportIn:
            result.event = try store.reportIn(eventID!, team: try args.argument("team"), actor: actor, note: note, at: now)
        case .dispatch:
            result.event = try store.perform(.dispatch(to: try args.argument("to")), on: eventID!, actor: actor, note: note, at: now)
        case .onsite:
            result.event = try store.perform(.onsite, on: eventID!, actor: actor, note: note, at: now)
        case .resolve:
            _ = try args.argument("note")
            let cause = try resolveCause(arguments["cause"], eventID: eventID!, store: store)
            result.event = try store.perform(.resolve, on: eventID!, actor: actor, note: note, cause: cause, at: now)
        case .close:
            result.event = try store.perform(.close, on: eventID!, actor: actor, note: note, at: now)
        case .reopen:
            result.event = try store.perform(.reopen, on: eventID!, actor: actor, note: note, at: now)
        case .note:
            _ = try args.argument("note")
            result.event = try store.perform(.note, on: eventID!, actor: actor, note: note, at: now)
        case .report:
            result.event = try report(arguments, actor: actor, note: args.noted(""), store: store, now: now,
                                      argument: args.argument)
        case .silenceAdd:
            let scope = SilenceScope(community: arguments["community"] ?? "", building: arguments["building"] ?? "",
                                     deviceID: arguments["device"] ?? "", kind: arguments["kind"] ?? "",
                                     rule: arguments["rule"] ?? "")
            let until = try args.time("until")
            guard until > now else {
                throw Stop(error: APIError(.badRequest, "silence add: 'until' is not in the future"), outcome: .badRequest)
            }
            let reason = try args.argument("reason")
            result.silence = try store.addSilence(scope: scope, until: until, reason: args.onBehalfOf == nil ? reason : "\(reason) (\(args.noted("")))",
                                                  actor: actor, at: now, policy: try silencePolicy(store), force: force)
        case .silenceRemove:
            guard let id = Int64(try args.argument("silence")), try store.removeSilence(id: id, at: now, actor: actor) else {
                throw Stop(error: APIError(.failed, "no silence in force with id \(arguments["silence"] ?? "")", reason: APIError.unknownSilence,
                                           values: [arguments["silence"] ?? ""]), outcome: .failed)
            }
        case .awayAdd:
            let until = try args.time("until")
            guard until > now else {
                throw Stop(error: APIError(.badRequest, "away add: 'until' is not in the future"), outcome: .badRequest)
            }
            let reason = try args.argument("reason")
            let subject = try args.argument("subject")
            try checkAwaySubject(subject, store: store)
            result.away = try store.addAwayNote(subject: subject, until: until,
                                                reason: args.onBehalfOf == nil ? reason : "\(reason) (\(args.noted("")))",
                                                actor: actor, at: now)
        case .awayRemove:
            guard let id = Int64(try args.argument("away")), try store.removeAwayNote(id: id, at: now) else {
                throw Stop(error: APIError(.failed, "no away note in force with id \(arguments["away"] ?? "")", reason: APIError.unknownAway,
                                           values: [arguments["away"] ?? ""]), outcome: .failed)
            }
        case .notifyTest:
            let team = try args.argument("team")
            guard TeamName.isValid(team) else {
                throw Stop(error: APIError(.badRequest, "notify test: not a team name"), outcome: .badRequest)
            }
            result.notification = try store.queueTestNotification(target: team, at: now)
        default:
            preconditionFailure("\(operation.rawValue) only reads")
        }
    }

    /// The cause of a resolve (nil when not given: an older client), refused when unknown or, for the
    /// call-button causes, when the event is not a call button's.
    private func resolveCause(_ text: String?, eventID: String, store: EventStore) throws -> EventCause? {
        guard let text else { return nil }
        guard let cause = EventCause(rawValue: text) else {
            let causes = EventCause.allCases.map(\.rawValue).joined(separator: ",")
            throw Stop(error: APIError(.badRequest, "resolve: '\(TextSanitizer.sanitize(text))' is not a cause; the causes are \(causes)",
                                       reason: APIError.unknownCause, values: [text, causes]), outcome: .badRequest)
        }
        if let event = try store.event(id: eventID), !cause.applies(toKind: event.kind) {
            throw Stop(error: APIError(.badRequest, "\(event.id): the cause \(cause.rawValue) is for call buttons (sos) only, not for a \(TextSanitizer.sanitize(event.kind)) event",
                                       reason: APIError.causeNotForKind, values: [event.id, cause.rawValue, event.kind]),
                       outcome: .badRequest)
        }
        return cause
    }

    /// Refuses an away note that would quiet no one: its subject must be a known device or a resident id of the
    /// registry (as lookoutd mirrors it into the devices table). A resident's name is refused too: two residents may
    /// share it.
    private func checkAwaySubject(_ subject: String, store: EventStore) throws {
        let shown = TextSanitizer.sanitize(subject)
        switch try store.awaySubject(subject) {
        case .device, .resident:
            return
        case .unknown(let named) where named > 0:
            throw Stop(error: APIError(.badRequest, "away add: '\(shown)' is the name of \(named) resident(s), not a device or resident id; give --resident with the registry's resident id (lookout devices lists them)"),
                       outcome: .badRequest)
        case .unknown:
            throw Stop(error: APIError(.badRequest, "away add: no known device or registry resident id '\(shown)' (lookout devices lists them)"),
                       outcome: .badRequest)
        }
    }

    /// Runs an operation that only reads (lists, one event, figures, the audit, the start of a watch).
    private func read(_ operation: APIOperation, _ args: Arguments, store: EventStore, now: EpochMillis,
                      into result: inout APIResult) throws {
        let arguments = args.values
        switch operation {
        case .events:
            try eventsAnswer(args, store: store, into: &result)
        case .audit:
            guard let limit = Int(arguments["limit"] ?? "100"), limit > 0,
                  let since = EpochMillis(arguments["since"] ?? "0") else {
                throw Stop(error: APIError(.badRequest, "audit: 'limit' and 'since' must be whole numbers"), outcome: .badRequest)
            }
            result.audit = try store.auditEntries(limit: min(limit, 10_000), since: since, user: arguments["user"])
        case .auditVerify:
            result.verification = try store.verifyTimeline()
        case .stats:
            let since = try args.time("since")
            let until = try args.time("until")
            result.statistics = try store.statistics(since: since, until: until)
            result.reportIn = try store.reportInStatistics(from: since, to: until, community: arguments["community"])
            result.breakdown = try store.breakdown(since: since, until: until, community: arguments["community"])
        case .devices:
            try devicesAnswer(args, store: store, into: &result)
        case .rejects:
            let reason = arguments["reason"]
            guard let limit = Int(arguments["limit"] ?? "20"), limit >= 0 else {
                throw Stop(error: APIError(.badRequest, "rejects: 'limit' must be a count"), outcome: .badRequest)
            }
            result.rejectCounts = try store.rejectCounts().filter { reason == nil || $0.reason == reason }
            let samples = try store.recentRejects(reason: reason, limit: limit)
            result.rejects = samples
            result.rejectsKept = samples.count < limit ? samples.count : try store.keptRejectCount(reason: reason)
        case .silenceList:
            // The list names the events, never their payloads: left out, so that many held events stay one line.
            result.silenceHolds = try store.silenceHolds(now: now).map { hold in
                var hold = hold
                hold.hiddenEvents = hold.hiddenEvents.map { var event = $0; event.payload = ""; return event }
                hold.shownEvents = hold.shownEvents.map { var event = $0; event.payload = ""; return event }
                return hold
            }
        case .awayList:
            result.awayNotes = try store.listAwayNotes(now: now)
        case .status:
            try statusAnswer(args, store: store, into: &result)
        case .site:
            break  // Every answer carries the site's time zone.
        case .watch:
            // Admitted and recorded here; the service streams the changes outside any transaction.
            for name in ["after", "replay"] where arguments[name] != nil {
                guard let value = Int64(arguments[name]!), value >= 0 else {
                    throw Stop(error: APIError(.badRequest, "watch: '\(name)' must be a count"), outcome: .badRequest)
                }
            }
        case .show:
            let id = try args.argument("id")
            guard let event = try store.event(id: id) else { throw EventStoreError.unknownEvent(id) }
            result.event = event
            result.timeline = try store.timeline(of: event.id)
            result.senders = try store.senders(of: event.id).map(\.deviceID)
            result.teams = try store.teams(of: event.id)
            result.emergencyPhone = try store.emergencyPhone(eventID: event.id)
        default:
            preconditionFailure("\(operation.rawValue) changes something")
        }
    }

    /// `events`: the events a filter picks, how many match, and how many silenced ones it left out.
    private func eventsAnswer(_ args: Arguments, store: EventStore, into result: inout APIResult) throws {
        let filter: EventFilter
        do {
            filter = try JSONDecoder().decode(EventFilter.self, from: Data(try args.argument("filter").utf8))
        } catch let stop as Stop {
            throw stop
        } catch {
            throw Stop(error: APIError(.badRequest, "events: 'filter' is not an event filter"), outcome: .badRequest)
        }
        let events = try store.events(filter)
        result.events = events
        result.matching = events.count < filter.limit ? events.count : try store.countEvents(filter)
        if filter.silenced == false {
            var silencedOnly = filter
            silencedOnly.silenced = true
            silencedOnly.limit = Int.max
            result.silencedLeftOut = try store.countEvents(silencedOnly)
        }
    }

    /// `devices`: the registry mirror, open events per device, and the devices whose data is not evaluated.
    private func devicesAnswer(_ args: Arguments, store: EventStore, into result: inout APIResult) throws {
        var openFilter = EventFilter()
        openFilter.limit = Int.max
        var openByDevice: [String: Int] = [:]
        // A device with an open `implausible_data` event keeps sending values it cannot report: its data is not
        // evaluated, which staff must see beside its connection.
        var implausible: Set<String> = []
        for event in try store.events(openFilter) where !event.deviceID.isEmpty {
            openByDevice[event.deviceID, default: 0] += 1
            if event.rule == ReservedRuleName.implausibleData { implausible.insert(event.deviceID) }
        }
        result.devices = try store.devices()
        result.openEventsByDevice = openByDevice
        result.implausibleDevices = implausible.sorted()
        result.daemonStatus = try store.daemonStatus()
    }

    /// `status`: the status row, open events by level, overdue ones, and free space for the database.
    private func statusAnswer(_ args: Arguments, store: EventStore, into result: inout APIResult) throws {
        result.daemonStatus = try store.daemonStatus()
        // Open events come from the events themselves, so they are right even when the ingest loop is stuck: counted
        // by one aggregate query, not read one by one (a backlog can leave many thousands open).
        let open = try store.openEventCounts(now: WallClock.now())
        result.openByLevel = Dictionary(uniqueKeysWithValues: open.byLevel.map { ($0.key.rawValue, $0.value) })
        result.overdue = open.everOverdue
        result.bytesFree = Self.bytesFree(forDatabaseAt: store.path)
    }

    /// `lookout report`: a manual event; for a known device, where it is comes from the registry mirror.
    private func report(_ arguments: [String: String], actor: String, note: String, store: EventStore, now: EpochMillis,
                        argument: (String) throws -> String) throws -> EventRecord {
        let kind = try argument("kind")
        guard let level = AlertLevel(rawValue: try argument("level")) else {
            throw Stop(error: APIError(.badRequest, "report: level must be red, yellow or green"), outcome: .badRequest)
        }
        let title = try argument("title")
        let deviceID = arguments["device"] ?? ""
        let address = arguments["where"] ?? ""
        guard !address.isEmpty || !deviceID.isEmpty else {
            throw Stop(error: APIError(.badRequest, "report: say where: 'where' or 'device'"), outcome: .badRequest)
        }
        var location = EventLocation(community: arguments["community"] ?? "", building: arguments["building"] ?? "",
                                     address: address, registered: false)
        var description = arguments["description"] ?? ""
        if !deviceID.isEmpty {
            if let device = try store.devices().first(where: { $0.id == deviceID }) {
                location = EventLocation(
                    community: location.community.isEmpty ? device.community : location.community,
                    building: location.building.isEmpty ? device.building : location.building,
                    unit: device.unit, address: location.address.isEmpty ? device.address : location.address,
                    grid: device.grid, owner: device.owner, residentName: device.residentName, latitude: device.latitude,
                    longitude: device.longitude, registered: device.registered)
            }
            description = "Device: \(deviceID)" + (description.isEmpty ? "" : "\n" + description)
        }
        if !note.isEmpty { description += (description.isEmpty ? "" : "\n") + note }
        return try store.report(kind: kind, level: level, location: location, deviceID: deviceID, title: title,
                                description: description, actor: actor, at: now)
    }

    /// Bytes free for the database at `path` on its filesystem, nil when unknown.
    static func bytesFree(forDatabaseAt path: String) -> Int64? {
        var stats = statvfs()
        let directory = PathText.directory(of: path)
        guard statvfs(directory.isEmpty ? "." : directory, &stats) == 0 else { return nil }
        return Int64(stats.f_bavail) * Int64(stats.f_frsize)
    }

    /// The silence policy: the configured maximum, and the rules lookoutd published in its status row as loaded.
    private func silencePolicy(_ store: EventStore) throws -> SilencePolicy {
        var policy = SilencePolicy(maximumMillis: silenceMaximumMillis)
        if let names = try store.daemonStatus().values[DaemonStatusKey.ruleNames.rawValue], !names.isEmpty {
            policy.knownRules = Set(names.split(separator: ",").map(String.init))
        }
        return policy
    }
}
