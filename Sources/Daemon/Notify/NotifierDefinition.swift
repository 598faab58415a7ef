import EventCore
import Vocabulary

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
    public var minimumLevel: AlertLevel = .green

    /// Seconds to wait after the `failedTries`-th failed try (1, 2, …): backoff doubled per failure, capped.
    public func pause(afterFailedTries failedTries: Int) -> Double {
        min(backoffSeconds * Double(1 << min(max(failedTries - 1, 0), 30)), backoffMaxSeconds)
    }
}
