import EventCore
import FoundationEssentials
import StaffAPI
import Synchronization
import Vocabulary
#if canImport(Glibc)
import Glibc
#endif

/// The local door to the event core: serves the staff API on a Unix socket (`[api] socket`), on threads of its own
/// and with a database connection of its own, independent of the broker connection (staff can act while the broker
/// is down). The caller's identity is the kernel's (`SO_PEERCRED` → login → staff directory); the socket is mode
/// 0666 because access to the file proves nothing. Requests run in short transactions; no transaction is open while
/// a client is read from or written to.
final class APIService: Service, Sendable {
    let name = "api"
    /// Connections served at once; more are answered "busy" and closed.
    static let maximumConnections = 64
    /// Seconds a client may take to send a request or read the answer.
    static let clientTimeoutSeconds = 10
    /// Seconds a stop waits for connections still being served.
    static let shutdownGraceSeconds = 2.0
    /// Seconds between attempts to serve the socket after a failure.
    static let bindRetrySeconds = 5.0

    private let socketPath: String
    private let staffPath: String
    private let handler: StaffRequestHandler
    private let log: Logger
    private let directory: Mutex<StaffDirectory>
    private let store: StaffStore
    private let stopping = Atomic<Bool>(false)
    private let connections = Atomic<Int>(0)

    /// Serves `socketPath` for the members of `directory` (read from `staffPath`, reread on SIGHUP).
    /// `notificationPolicy`: which teams have a notifier now, so that a change staff make (a reopen) queues the
    /// messages the intake's would.
    init(socketPath: String, staffPath: String, directory: StaffDirectory, silenceMaximumMillis: EpochMillis,
         siteTimeZone: String = ZoneInfo.siteDefaultName, log: Logger,
         notificationPolicy: @escaping @Sendable () -> NotificationPolicy,
         openStore: @escaping @Sendable () throws -> EventStore) {
        self.socketPath = socketPath
        self.staffPath = staffPath
        self.directory = Mutex(directory)
        self.handler = StaffRequestHandler(silenceMaximumMillis: silenceMaximumMillis, siteTimeZone: siteTimeZone)
        self.log = log
        self.store = StaffStore(door: "staff API", key: "api", log: log, notificationPolicy: notificationPolicy,
                                openStore: openStore)
    }

    func run() throws {
        var reloadSeen = SignalState.reloadGeneration
        var listener: ListeningSocket?
        var nextAttempt = Date.distantPast
        defer {
            listener?.close()
            // A request being run finishes its transaction; a client that is slow to send or read is not waited
            // for long (the daemon's whole stop has `[shutdown] timeout`).
            let deadline = Date().addingTimeInterval(Self.shutdownGraceSeconds)
            while connections.load(ordering: .sequentiallyConsistent) > 0 && Date() < deadline { usleep(10_000) }
        }
        while !stopping.load(ordering: .sequentiallyConsistent) {
            let generation = SignalState.reloadGeneration
            if generation != reloadSeen {
                reloadSeen = generation
                reloadDirectory()
            }
            guard let open = listener else {
                if Date() >= nextAttempt {
                    do {
                        listener = try ListeningSocket(path: socketPath)
                        log.info("staff API serving \(socketPath) for \(directory.withLock { $0.count }) staff")
                    } catch {
                        log.error("cannot serve the staff API at \(socketPath): \(error); staff cannot act on events until it is served (retrying every \(Int(Self.bindRetrySeconds)) s)",
                                  key: "api-bind")
                        nextAttempt = Date().addingTimeInterval(Self.bindRetrySeconds)
                    }
                }
                usleep(200_000)
                continue
            }
            guard let client = open.accept(timeoutMilliseconds: 200) else { continue }
            serve(client)
        }
    }

    func shutdown() {
        stopping.store(true, ordering: .sequentiallyConsistent)
    }

    /// SIGHUP: rereads the staff directory; one with errors keeps the directory in force.
    private func reloadDirectory() {
        do {
            let loaded = try StaffDirectory.load(path: staffPath)
            directory.withLock { $0 = loaded }
            log.info("staff directory reloaded: \(loaded.count) staff")
        } catch {
            let kept = directory.withLock { $0.count }
            log.error("staff directory reload refused, \(error.issues.count) error(s); keeping the \(kept) staff in force")
            for issue in error.issues { log.error(issue.description) }
        }
    }

    /// Serves one connection on a thread of its own.
    private func serve(_ fileDescriptor: Int32) {
        guard connections.add(1, ordering: .sequentiallyConsistent).newValue <= Self.maximumConnections else {
            connections.subtract(1, ordering: .sequentiallyConsistent)
            let socket = LineSocket(fileDescriptor: fileDescriptor, timeoutSeconds: 1)
            _ = try? socket.write(APILine.encode(APIResponse(id: "", error: APIError(.unavailable, "lookoutd is serving too many connections; try again"))))
            socket.close()
            log.warning("staff API: too many connections, one turned away", key: "api-busy")
            return
        }
        do {
            try DetachedThread.start(name: "api-connection") { [self] in
                let socket = LineSocket(fileDescriptor: fileDescriptor, timeoutSeconds: Self.clientTimeoutSeconds)
                defer {
                    socket.close()
                    connections.subtract(1, ordering: .sequentiallyConsistent)
                }
                converse(socket)
            }
        } catch {
            close(fileDescriptor)
            connections.subtract(1, ordering: .sequentiallyConsistent)
            log.warning("staff API: \(error)", key: "api-thread")
        }
    }

    /// Reads requests and answers them until the client closes the connection (or breaks the protocol).
    private func converse(_ socket: LineSocket) {
        let peer: PeerIdentity
        do {
            peer = try PeerIdentity.of(socket: socket.fileDescriptor)
        } catch {
            log.warning("staff API: \(error)", key: "api-peer")
            return
        }
        let caller = StaffRequestHandler.Caller(user: peer.user, hasName: peer.hasName, origin: peer.origin,
                                                described: peer.hasName ? "user \(peer.user) (uid \(peer.uid))" : "uid \(peer.uid)")
        while true {
            let line: [UInt8]
            do {
                guard let next = try socket.readLine() else { return }
                line = next
            } catch {
                log.warning("staff API: connection of \(caller.described) dropped: \(error)", key: "api-read")
                return
            }
            let response: APIResponse
            var watch: APIRequest?
            do {
                let request = try APILine.decode(APIRequest.self, from: line)
                response = answer(request, from: caller)
                if request.operation == APIOperation.watch.rawValue && response.ok { watch = request }
            } catch {
                response = APIResponse(id: "", error: APIError(.badRequest, "not a staff API request (one JSON object per line)"))
                recordUnreadable(from: caller)
            }
            if let watch {
                // The connection is the watch's from now on: it ends with the client or the daemon.
                stream(watch, to: socket, result: response.result!, caller: caller)
                return
            }
            do {
                try socket.write(try APILine.encode(response))
            } catch {
                log.warning("staff API: could not answer \(caller.described): \(error)", key: "api-write")
                return
            }
        }
    }

    /// Changes read per line of a watch.
    static let watchBatchSize = 200

    /// `watch`: pushes the change feed to the client, a line per batch of changes and a heartbeat line when nothing
    /// changed for a while, until the client goes or the daemon stops (the client sees the connection end and says
    /// lookoutd is down). The store is taken only for each short look, never while writing to the client.
    private func stream(_ request: APIRequest, to socket: LineSocket, result: APIResult, caller: StaffRequestHandler.Caller) {
        let arguments = request.arguments
        let heartbeat = min(max(EpochMillis(arguments["heartbeat"] ?? "") ?? 5_000, 100), 300_000)
        let interval = min(max(Int(arguments["interval"] ?? "") ?? 200, 20), 5_000)
        // The newest change now, said on the first line: what the client asked for up to it is history.
        guard let newest = look({ try $0.latestChangeSequence() }) else { return }
        var sequence = arguments["after"].flatMap(Int64.init) ?? max(0, newest - (arguments["replay"].flatMap(Int64.init) ?? 0))
        var latest: Int64? = newest
        func send(_ changes: [EventChange], teams: [String: [EventTeam]]) -> Bool {
            var line = result
            line.changes = changes
            line.sequence = sequence
            line.latestSequence = latest
            latest = nil
            line.changeTeams = teams.isEmpty ? nil : teams
            do {
                try socket.write(try APILine.encode(APIResponse(id: request.id, result: line)))
                return true
            } catch {
                log.debug("staff API: watch of \(caller.described) ended: \(error)")
                return false
            }
        }
        guard send([], teams: [:]) else { return }
        var lastSent = WallClock.now()
        while !stopping.load(ordering: .sequentiallyConsistent) && !Self.peerClosed(socket) {
            let from = sequence
            let batch = store.watchBatch(after: from, limit: Self.watchBatchSize)
            let now = WallClock.now()
            if let batch, let last = batch.changes.last {
                sequence = last.sequence
                guard send(batch.changes, teams: batch.teams) else { return }
                lastSent = now
                if batch.changes.count == Self.watchBatchSize { continue }
            } else if now - lastSent >= heartbeat {
                guard send([], teams: [:]) else { return }
                lastSent = now
            }
            usleep(useconds_t(interval * 1000))
        }
    }

    /// Whether the client closed its end (a watch client sends nothing after its request).
    private static func peerClosed(_ socket: LineSocket) -> Bool {
        var byte: UInt8 = 0
        let count = recv(socket.fileDescriptor, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT))
        return count == 0
    }

    /// Runs one request on the service's store (opened on first use, again after a failure). A test notification is
    /// queued in one transaction and then waited for here, the store taken only for each short look.
    private func answer(_ request: APIRequest, from caller: StaffRequestHandler.Caller) -> APIResponse {
        let response = run(request, from: caller)
        guard request.operation == APIOperation.notifyTest.rawValue, var result = response.result,
              var message = result.notification else { return response }
        let timeout = min(max(EpochMillis(request.arguments["timeout"] ?? "") ?? 30_000, 100), 600_000)
        let deadline = WallClock.now() + timeout
        while message.state == "pending" && WallClock.now() < deadline && !stopping.load(ordering: .sequentiallyConsistent) {
            usleep(100_000)
            message = look { try $0.notification(id: message.id) } ?? message
        }
        if message.state == "pending" {
            if look({ try $0.withdrawNotification(id: message.id) }) == true {
                message.state = "timeout"
            } else {
                message = look { try $0.notification(id: message.id) } ?? message
            }
        }
        result.notification = message
        return APIResponse(id: response.id, result: result)
    }

    /// `body` on the service's store, nil (logged) when it fails.
    private func look<T: Sendable>(_ body: (EventStore) throws -> T?) -> T? { store.look(body) }

    /// Checks, runs and records one request on the service's store.
    private func run(_ request: APIRequest, from caller: StaffRequestHandler.Caller) -> APIResponse {
        store.run(request, from: caller, directory: directory.withLock { $0 }, handler: handler, now: WallClock.now())
    }

    /// A line that is not a request is on the record too.
    private func recordUnreadable(from caller: StaffRequestHandler.Caller) {
        let recorded: Bool? = look {
            try $0.recordAudit(AuditEntry(at: WallClock.now(), user: caller.user, origin: caller.origin,
                                          operation: "", outcome: .badRequest, detail: "not a staff API request"))
            return true
        }
        if recorded == nil { log.error("staff API: cannot record an unreadable request", key: "api-audit") }
    }
}
