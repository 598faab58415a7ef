import EventCore
import Vocabulary

/// The notifier configuration file (`[notify] notifiers` in lookoutd.conf): notifiers, team contacts, and when a
/// failing notifier is reported. Reread on SIGHUP; a file with errors keeps the previous configuration in force.
public struct NotifierConfiguration: Sendable, Equatable {
    /// The file this was read from (empty: none).
    public var sourcePath: String = ""
    /// Notifiers by name.
    public var notifiers: [String: NotifierDefinition] = [:]
    /// Team contacts by team name.
    public var teams: [String: TeamContact] = [:]
    /// Failed tries in a row after which a notifier is reported failing (`[notify] failing_after`, default 3).
    public var failingAfterTries: Int = 3
    /// Seconds of failing (no success since the first failure) after which it is reported failing
    /// (`[notify] failing_for`, default 10 min).
    public var failingAfterSeconds: Double = 600
    /// Team of the green "notifier failing" event (`[notify] operator_team`, default `operator`).
    public var operatorTeam: String = "operator"

    /// Creates an empty configuration (nobody is notified).
    public init() {}

    /// What the event store needs to queue messages: each team with a notifier, and its lowest level.
    public var policy: NotificationPolicy {
        var levels: [String: AlertLevel] = [:]
        for (name, team) in teams {
            guard let notifier = notifiers[team.notifier] else { continue }
            levels[name] = team.minimumLevel ?? notifier.minimumLevel
        }
        return NotificationPolicy(minimumLevel: levels)
    }

    /// The notifier of `team`, with its contact, if configured.
    public func route(for team: String) -> (notifier: NotifierDefinition, contact: TeamContact)? {
        guard let contact = teams[team], let notifier = notifiers[contact.notifier] else { return nil }
        return (notifier, contact)
    }
}
