import EventCore
import FoundationEssentials
import Synchronization
import Vocabulary

/// Sends the notification outbox: picks due messages, runs the team's notifier command for each (see
/// `NotifierCommand`), and records the outcome on the event's timeline; a failed try is retried with backoff.
/// A notifier that fails `failing_after` times in a row, or for `failing_for`, raises a green event (rule
/// `notifier_failing`) cleared when it succeeds again.
///
/// Runs on its own thread with its own `EventStore`: a slow or hanging command never stalls intake, and each
/// notifier's commands run on a worker of their own, so one hanging gateway never delays another's. Messages due
/// while the daemon was stopped are due at start, with the same idempotency key (at least once).
final class NotificationService: Service, @unchecked Sendable {
    let name = "notify"
    /// Rule and key prefix of the "notifier failing" event.
    static let failingRule = "notifier_failing"
    private let state: NotificationState
    private let openStore: () throws -> EventStore
    private let log: Logger
    private let clock: @Sendable () -> EpochMillis
    private let stop = StopSignal()

    init(state: NotificationState, log: Logger, clock: @escaping @Sendable () -> EpochMillis = WallClock.now,
         openStore: @escaping () throws -> EventStore) {
        self.state = state
        self.log = log
        self.clock = clock
        self.openStore = openStore
    }

    func shutdown() { stop.fire() }

    private var stopping: Bool { stop.isSet }

    /// A command that ran on a notifier's worker, waiting for the runner thread to record its outcome.
    private struct Finished {
        var message: PendingNotification
        var notifier: NotifierDefinition
        var result: NotifierCommand.Result
    }
    /// Commands that finished, handed from the notifiers' workers to the runner thread (which alone uses the store).
    private let finished = Mutex<[Finished]>([])

    func run() throws {
        let store = try openStore()
        var failing = false
        var delay = 0.5
        // Notifiers with a command running: each notifier runs one command at a time on a worker of its own, so a
        // hanging gateway delays only its own messages, never a red call's message to another team.
        var busy: Set<String> = []
        while !stopping || !busy.isEmpty {
            do {
                for done in finished.withLock({ list in defer { list.removeAll() }; return list }) {
                    busy.remove(done.notifier.name)
                    try record(done, store: store)
                }
                if stopping {
                    pause(0.05, evenWhenStopping: true)
                    continue
                }
                for (notifier, health) in state.markFailingByTime(at: clock(), policy: state.configuration) {
                    try reportFailing(notifier, health: health, store: store)
                }
                let due = try store.dueNotifications(now: clock(), limit: 500)
                if failing {
                    log.info("notification outbox readable again")
                    failing = false
                    delay = 0.5
                }
                var started = false
                for message in due where !stopping {
                    if let name = state.configuration.route(for: message.target)?.notifier.name, busy.contains(name) { continue }
                    if let notifier = try start(message, store: store) {
                        busy.insert(notifier)
                        started = true
                    }
                }
                if !started { pause(0.1) }
            } catch {
                if !failing { log.warning("notification runner cannot use the database: \(error); retrying (messages stay queued)") }
                failing = true
                pause(delay)
                delay = min(delay * 2, 30)
            }
        }
    }

    /// Starts one try of one message on its notifier's worker; returns the notifier's name, or nil when the message
    /// was settled without running anything (no notifier, no emergency phone, no event).
    private func start(_ message: PendingNotification, store: EventStore) throws -> String? {
        let configuration = state.configuration
        guard let route = configuration.route(for: message.target) else {
            try finish(message, notifier: "none", outcome: .gaveUp(error: "no notifier is configured for \(message.target)"), store: store)
            return nil
        }
        let notifier = route.notifier
        var contact = route.contact.contact
        if message.target == TeamName.emergencyContact, !message.eventID.isEmpty {
            contact = try store.emergencyPhone(eventID: message.eventID)
            guard !contact.isEmpty else {
                try finish(message, notifier: notifier.name,
                           outcome: .gaveUp(error: "no emergency phone is registered for the device"), store: store)
                state.countSettled(notifier: notifier.name, outcome: "gave_up")
                return nil
            }
        }
        let subject = try store.notificationSubject(message)
        if subject == nil, !message.eventID.isEmpty {
            try finish(message, notifier: notifier.name, outcome: .gaveUp(error: "event \(message.eventID) not found"), store: store)
            state.countSettled(notifier: notifier.name, outcome: "gave_up")
            return nil
        }
        let input = subject?.json ?? Self.testMessageJSON(message, at: clock())
        let command = NotifierCommand(
            command: notifier.command, environment: environment(message, event: subject?.event, contact: contact),
            input: input, timeoutSeconds: notifier.timeoutSeconds)
        do {
            try DetachedThread.start(name: "notifier") { [self] in
                let result = command.run(stopping: { self.stopping })
                finished.withLock { $0.append(Finished(message: message, notifier: notifier, result: result)) }
            }
        } catch {
            finished.withLock { $0.append(Finished(message: message, notifier: notifier, result: .failure("\(error)"))) }
        }
        return notifier.name
    }

    /// Records the outcome of a try that ran: sent, retried with backoff, or given up; and the notifier's health.
    private func record(_ done: Finished, store: EventStore) throws {
        let (message, notifier) = (done.message, done.notifier)
        let configuration = state.configuration
        let now = clock()
        let outcome: NotificationOutcome
        switch done.result {
        case .interrupted:
            log.info("notification to \(message.target) via \(notifier.name) interrupted by the shutdown; sent again at the next start (key \(message.idempotencyKey))")
            return
        case .success:
            outcome = .sent
        case .failure(let text):
            let maxTries = message.maxTries ?? notifier.tries
            if message.tries + 1 >= maxTries {
                outcome = .gaveUp(error: text)
            } else {
                let pause = notifier.pause(afterFailedTries: message.tries + 1)
                outcome = .retry(error: text, retryAt: now + EpochMillis(pause * 1000))
            }
        }
        try finish(message, notifier: notifier.name, outcome: outcome, store: store)
        let label: String
        let error: String
        switch outcome {
        case .sent: (label, error) = ("sent", "")
        case .retry(let text, _): (label, error) = ("failed", text)
        case .gaveUp(let text): (label, error) = ("gave_up", text)
        }
        let (health, changed) = state.record(notifier: notifier.name, outcome: label, error: error, at: now, policy: configuration)
        if changed {
            if health.failing {
                try reportFailing(notifier.name, health: health, store: store)
            } else {
                try reportRecovered(notifier.name, store: store)
            }
        }
    }

    /// Writes the outcome and logs it.
    private func finish(_ message: PendingNotification, notifier: String, outcome: NotificationOutcome, store: EventStore) throws {
        try store.recordNotificationOutcome(message, notifier: notifier, outcome: outcome, at: clock())
        let subject = message.eventID.isEmpty ? "test message" : "\(message.eventID) attempt \(message.attempt)"
        switch outcome {
        case .sent:
            log.info("notified \(message.target) via \(notifier): \(subject) (key \(message.idempotencyKey))")
        case .retry(let error, let retryAt):
            log.warning("notification to \(message.target) via \(notifier) failed: \(subject), try \(message.tries + 1): \(error); next try in \(formatDuration(Double(max(retryAt - clock(), 0)) / 1000))",
                        key: "notify-failed-\(notifier)")
        case .gaveUp(let error):
            log.error("notification to \(message.target) via \(notifier) gave up: \(subject) after \(message.tries + 1) tries: \(error)")
        }
    }

    /// Raises the green "notifier failing" event (operator's team), logged at error.
    private func reportFailing(_ notifier: String, health: NotificationState.Health, store: EventStore) throws {
        let configuration = state.configuration
        log.error("notifier \(notifier) is failing: \(health.consecutiveFailures) failed tries in a row: \(health.lastError)")
        let trigger = EventTrigger(
            rule: Self.failingRule, eventKey: "\(Self.failingRule)/\(notifier)", level: .green, kind: "notifier",
            deviceID: "", group: "notifier \(notifier)", title: "Notifier \(notifier) is failing",
            description: """
                The notifier \(notifier) failed \(health.consecutiveFailures) tries in a row (last: \(health.lastError)). \
                Teams it serves are not being told of events out of band; messages stay queued and are retried. \
                Check the command and the gateway; this event clears when a message goes through again.
                """,
            teams: [configuration.operatorTeam], at: clock())
        try store.raise(trigger)
    }

    /// Clears the "notifier failing" event.
    private func reportRecovered(_ notifier: String, store: EventStore) throws {
        log.info("notifier \(notifier) works again")
        try store.clear(eventKey: "\(Self.failingRule)/\(notifier)", at: clock(), note: "notifier \(notifier) works again")
    }

    /// The environment of a notifier command: a few of the daemon's own variables and the message's fields.
    private func environment(_ message: PendingNotification, event: EventRecord?, contact: String) -> [String: String] {
        var environment: [String: String] = [:]
        let own = ProcessInfo.processInfo.environment
        for name in NotifierCommand.inheritedVariables { environment[name] = own[name] }
        if environment["PATH"] == nil { environment["PATH"] = "/usr/local/bin:/usr/bin:/bin" }
        environment["LOOKOUT_EVENT_ID"] = message.eventID
        environment["LOOKOUT_TEAM"] = message.target
        environment["LOOKOUT_STEP"] = String(message.step)
        environment["LOOKOUT_ATTEMPT"] = String(message.attempt)
        environment["LOOKOUT_TRY"] = String(message.tries + 1)
        environment["LOOKOUT_REASON"] = message.reason
        environment["LOOKOUT_IDEMPOTENCY_KEY"] = message.idempotencyKey
        environment["LOOKOUT_CONTACT"] = contact
        if let event {
            environment["LOOKOUT_LEVEL"] = event.level.rawValue
            environment["LOOKOUT_RULE"] = event.rule
            environment["LOOKOUT_STATUS"] = event.status.rawValue
            environment["LOOKOUT_TITLE"] = TextSanitizer.sanitize(event.title)
            environment["LOOKOUT_ADDRESS"] = TextSanitizer.sanitize(event.location.address)
            environment["LOOKOUT_RESIDENT_PHONE"] = TextSanitizer.sanitize(event.location.residentPhone)
            if message.target == TeamName.emergencyContact { environment["LOOKOUT_EMERGENCY_PHONE"] = contact }
        } else {
            environment["LOOKOUT_TEST"] = "1"
            environment["LOOKOUT_LEVEL"] = "green"
            environment["LOOKOUT_TITLE"] = "Lookout test message"
        }
        return environment
    }

    /// What a test message's notifier reads on stdin.
    static func testMessageJSON(_ message: PendingNotification, at: EpochMillis) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let object = TestMessage(test: true, target: message.target, title: "Lookout test message", at: at)
        return (try? encoder.encode(object)).map(Array.init) ?? Array("{}".utf8)
    }

    /// Waits up to `seconds`, waking at once on shutdown (unless `evenWhenStopping`: waiting for the workers,
    /// which hand their outcomes over through `finished`).
    private func pause(_ seconds: Double, evenWhenStopping: Bool = false) {
        if evenWhenStopping {
            ThreadSleep.sleep(seconds: seconds)
        } else {
            stop.wait(seconds: seconds)
        }
    }
}

/// A test message's stdin (keys sorted, as before: `{"at":…,"target":…,"test":true,"title":…}`).
private struct TestMessage: Encodable {
    var test: Bool
    var target: String
    var title: String
    var at: EpochMillis
}
