import Vocabulary

/// One staff API request as recorded in the audit (`api_audit`): accepted or refused, it is on the record.
public struct AuditEntry: Sendable, Equatable, Codable {
    /// How a request ended.
    public enum Outcome: String, Sendable, Codable {
        /// It ran.
        case ok
        /// The caller's role (or absence from the staff directory) did not allow it.
        case refused
        /// The event core refused it (unknown id, a transition that is not allowed, a silence beyond policy).
        case failed
        /// It arrived after its expiry and did not run.
        case expired
        /// It could not be understood.
        case badRequest = "bad_request"
    }

    /// Row id (0 before it is recorded).
    public var id: Int64 = 0
    /// When the daemon handled it.
    public var at: EpochMillis
    /// The authenticated login (`uid N` when the uid has no name).
    public var user: String
    /// Where it came from: `local uid 1000` (the Unix socket), later a broker user.
    public var origin: String
    /// Whom the user acted for (`--as`), empty when nobody.
    public var onBehalfOf: String
    /// The operation's wire name (`ack`, `silence_add`, …).
    public var operation: String
    /// The event concerned, if any.
    public var eventID: String
    /// How it ended.
    public var outcome: Outcome
    /// The refusal or failure message; empty when it ran.
    public var detail: String
    /// The client's request id.
    public var requestID: String

    /// Creates an entry.
    public init(at: EpochMillis, user: String, origin: String, onBehalfOf: String = "", operation: String,
                eventID: String = "", outcome: Outcome, detail: String = "", requestID: String = "") {
        self.at = at
        self.user = user
        self.origin = origin
        self.onBehalfOf = onBehalfOf
        self.operation = operation
        self.eventID = eventID
        self.outcome = outcome
        self.detail = detail
        self.requestID = requestID
    }
}
