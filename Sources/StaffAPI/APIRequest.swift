import EventCore
import Vocabulary

/// One request to lookoutd's staff API, one JSON object on one line. The same object travels over the local
/// Unix socket and, later, the broker: who asks is never in it (the transport says: the kernel's peer
/// credentials, the broker's authenticated user), only on whose behalf (a field worker who phoned in).
public struct APIRequest: Codable, Sendable, Equatable {
    /// Chosen by the client, unique per client; the response carries it back, and a redelivered request is
    /// recognised by it.
    public var id: String
    /// Milliseconds since 1970 after which the daemon does not run it (an ack queued while the daemon was down
    /// must not run hours later).
    public var expiresAt: EpochMillis
    /// The operation's wire name (`APIOperation`); kept as text so an unknown one can be answered.
    public var operation: String
    /// The operation's arguments, all as text (`id`, `note`, …; see `APIOperation`).
    public var arguments: [String: String]
    /// A person the authenticated user acts for (recorded beside them, never instead of them).
    public var onBehalfOf: String?

    /// Creates a request.
    public init(id: String, expiresAt: EpochMillis, operation: APIOperation, arguments: [String: String],
                onBehalfOf: String? = nil) {
        self.id = id
        self.expiresAt = expiresAt
        self.operation = operation.rawValue
        self.arguments = arguments
        self.onBehalfOf = onBehalfOf
    }

    enum CodingKeys: String, CodingKey {
        case id, operation, arguments
        case expiresAt = "expires_at"
        case onBehalfOf = "on_behalf_of"
    }
}
