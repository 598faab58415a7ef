import EventCore
import FoundationEssentials
import Synchronization
import Vocabulary

/// What the notification runner shares with the rest of the daemon: the notifier configuration in force (replaced
/// on SIGHUP by the intake thread), and each notifier's health and counts for the status row and metrics file.
public final class NotificationState: Sendable {
    /// One notifier's health as last seen.
    public struct Health: Sendable, Equatable {
        /// Failed tries in a row.
        public var consecutiveFailures = 0
        /// When the current run of failures began (nil: the last try succeeded).
        public var failingSince: EpochMillis?
        /// Whether it is reported failing (`lookout status`, `lookout_notifier_failing`, the green event).
        public var failing = false
        /// The last failure, sanitised.
        public var lastError = ""
        /// Tries by outcome since the start: `sent`, `failed` (will retry), `gave_up`.
        public var outcomes: [String: Int64] = [:]
    }

    private let configurationSlot: Mutex<NotifierConfiguration>
    private let healthSlot = Mutex<[String: Health]>([:])

    /// Starts with `configuration`.
    public init(configuration: NotifierConfiguration) {
        configurationSlot = Mutex(configuration)
    }

    /// The configuration in force.
    public var configuration: NotifierConfiguration { configurationSlot.withLock { $0 } }

    /// Puts a reloaded configuration in force.
    public func replace(_ configuration: NotifierConfiguration) { configurationSlot.withLock { $0 = configuration } }

    /// The health of each configured notifier, by name (one that has not run yet is healthy; one removed by a
    /// reload is no longer reported).
    public var health: [String: Health] {
        let names = configuration.notifiers.keys
        return healthSlot.withLock { health in
            Dictionary(uniqueKeysWithValues: names.map { ($0, health[$0] ?? Health()) })
        }
    }

    /// Counts a message given up without running the notifier (no emergency phone, no such event): it says nothing of
    /// the notifier's health, but the operator sees it in `lookout_notifications_total{outcome="gave_up"}`.
    func countSettled(notifier: String, outcome: String) {
        healthSlot.withLock { all in all[notifier, default: Health()].outcomes[outcome, default: 0] += 1 }
    }

    /// Counts a try's outcome and updates the failing verdict; returns the health after it and whether the
    /// verdict changed.
    func record(notifier: String, outcome: String, error: String, at now: EpochMillis, policy: NotifierConfiguration)
        -> (health: Health, changed: Bool)
    {
        healthSlot.withLock { all in
            var health = all[notifier] ?? Health()
            let before = health.failing
            health.outcomes[outcome, default: 0] += 1
            if outcome == "sent" {
                health = Health(outcomes: health.outcomes)
            } else {
                health.consecutiveFailures += 1
                health.failingSince = health.failingSince ?? now
                health.lastError = error
                health.failing = Self.isFailing(health, at: now, policy: policy)
            }
            all[notifier] = health
            return (health, health.failing != before)
        }
    }

    /// Notifiers that have been failing for `failing_for` without reaching `failing_after` tries in a row: marked
    /// failing now (their names and health), checked by the runner between tries.
    func markFailingByTime(at now: EpochMillis, policy: NotifierConfiguration) -> [(String, Health)] {
        healthSlot.withLock { all in
            var changed: [(String, Health)] = []
            for (name, var health) in all where !health.failing && health.failingSince != nil {
                if Self.isFailing(health, at: now, policy: policy) {
                    health.failing = true
                    all[name] = health
                    changed.append((name, health))
                }
            }
            return changed
        }
    }

    private static func isFailing(_ health: Health, at now: EpochMillis, policy: NotifierConfiguration) -> Bool {
        guard let since = health.failingSince else { return false }
        return health.consecutiveFailures >= policy.failingAfterTries
            || Double(now - since) >= policy.failingAfterSeconds * 1000
    }
}
