import Synchronization

/// How the staff API over the broker is doing, for the status row and the metrics: written by `RemoteAPIService`,
/// read by the intake when it writes status. Process-wide, like `SignalState`: there is one remote service.
public enum RemoteAPIHealth {
    /// The service's state.
    public enum State: String, Sendable {
        /// `[remote] enabled` is off.
        case off
        /// Connecting to the broker or checking its ACL.
        case connecting
        /// Requests are served.
        case serving
        /// The broker let lookoutd publish under another user's request topic: nothing is served.
        case refused

        static let all: [State] = [.off, .connecting, .serving, .refused]
    }

    private static let stateIndex = Atomic<Int>(0)
    private static let failures = Atomic<Int>(0)

    /// The current state.
    static var state: State {
        get { State.all[stateIndex.load(ordering: .relaxed)] }
        set { stateIndex.store(State.all.firstIndex(of: newValue) ?? 0, ordering: .relaxed) }
    }

    /// Failed ACL checks since start.
    static var aclCheckFailures: Int { failures.load(ordering: .relaxed) }

    /// Counts one failed ACL check.
    static func countACLCheckFailure() { failures.add(1, ordering: .relaxed) }
}
