import EventCore

/// One notifier: a command run once per message (the event as JSON on stdin, key fields in the environment).
public struct NotifierDefinition: Sendable, Equatable {
    /// Name, as teams refer to it (`[notifier http]`).
    public var name: String
    /// The program (absolute path) and its arguments; run without a shell.
    public var command: [String]
    /// Seconds a try may take before the command is killed (`timeout`, default 10 s).
    public var timeoutSeconds: Double = 10
    /// Most tries of one message (`tries`, default 4), the first included.
    public var tries: Int = 4
    /// Pause after the first failed try (`backoff`, default 5 s); doubled after each further failure.
    public var backoffSeconds: Double = 5
    /// Longest pause between tries (`backoff_max`, default 5 min).
    public var backoffMaxSeconds: Double = 300
    /// Lowest event level sent through this notifier unless a team says otherwise (`min_level`, default green).
    public var minimumLevel: EventLevel = .green

    /// Seconds to wait after the `failedTries`-th failed try (1, 2, …): backoff doubled per failure, capped.
    public func pause(afterFailedTries failedTries: Int) -> Double {
        let exponent = Double(min(max(failedTries - 1, 0), 30))
        return min(backoffSeconds * pow2(exponent), backoffMaxSeconds)
    }

    private func pow2(_ exponent: Double) -> Double {
        var value = 1.0
        for _ in 0..<Int(exponent) { value *= 2 }
        return value
    }
}

/// How one team (or `emergency-contact`) is reached.
public struct TeamContact: Sendable, Equatable {
    /// Team name as rules write it in `teams`.
    public var team: String
    /// The notifier's name.
    public var notifier: String
    /// Passed to the command as `LOOKOUT_CONTACT` (a URL, a phone list, a chat id…); for `emergency-contact` the
    /// resident's registered emergency phone is passed instead.
    public var contact: String = ""
    /// Lowest event level this team is told about (nil: the notifier's `min_level`).
    public var minimumLevel: EventLevel?
}

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
        var levels: [String: EventLevel] = [:]
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
