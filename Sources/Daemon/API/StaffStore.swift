import EventCore
import StaffAPI
import Synchronization
import Vocabulary

/// The event-store connection of a staff door (the local socket, the broker): opened on first use and again after a
/// failure, one request or look at a time. Both doors run requests the same way through it, so that what a request
/// does, how a failure to record it is handled and what is logged do not depend on the door.
final class StaffStore: Sendable {
    private let store = Mutex<EventStore?>(nil)
    private let openStore: @Sendable () throws -> EventStore
    private let notificationPolicy: @Sendable () -> NotificationPolicy
    private let log: Logger
    /// `staff API` or `remote staff API`, at the start of the log lines.
    private let door: String
    /// The key of the door's rate-limited warnings (`api`, `remote`).
    private let key: String

    init(door: String, key: String, log: Logger, notificationPolicy: @escaping @Sendable () -> NotificationPolicy,
         openStore: @escaping @Sendable () throws -> EventStore) {
        self.door = door
        self.key = key
        self.log = log
        self.notificationPolicy = notificationPolicy
        self.openStore = openStore
    }

    /// `body` on the store, nil (logged) when it fails.
    func look<T: Sendable>(_ body: (EventStore) throws -> T?) -> T? {
        store.withLock { store in
            do {
                if store == nil { store = try openStore() }
                return try body(store!)
            } catch {
                log.warning("\(door): \(error)", key: "\(key)-look")
                return nil
            }
        }
    }

    /// Checks, runs and records `request` with `handler`; a request whose audit row cannot be written does not run,
    /// and the connection is opened afresh for the next one.
    func run(_ request: APIRequest, from caller: StaffRequestHandler.Caller, directory: StaffDirectory,
             handler: StaffRequestHandler, now: EpochMillis) -> APIResponse {
        var outcome: (response: APIResponse, auditFailure: String?) = store.withLock { store in
            do {
                if store == nil { store = try openStore() }
                store!.notificationPolicy = notificationPolicy()
                return handler.handle(request, from: caller, directory: directory, store: store!, now: now)
            } catch {
                return (APIResponse(id: request.id, error: APIError(.unavailable, "lookoutd cannot open the database: \(error)")), "\(error)")
            }
        }
        // Every answer says the community's time zone: `lookout` shows times in it (a `watch` line copies it).
        outcome.response.result?.siteTimeZone = handler.siteTimeZone
        let operation = TextSanitizer.sanitize(String(request.operation.prefix(64)))
        if let failure = outcome.auditFailure {
            log.error("\(door): request \(operation) of \(caller.described) not run: cannot write the database: \(failure)",
                      key: "\(key)-audit")
            store.withLock { $0 = nil }
        } else if let error = outcome.response.error {
            log.info("\(door): \(caller.described): \(operation) \(TextSanitizer.sanitize(request.arguments["id"] ?? "")): \(TextSanitizer.sanitize(error.message))")
        } else {
            log.debug("\(door): \(caller.described): \(operation) \(outcome.response.result?.event?.id ?? "") done")
        }
        return outcome.response
    }
}
