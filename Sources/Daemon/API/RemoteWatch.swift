import StaffAPI
import Vocabulary

/// One `lookout watch` over the broker: lookoutd pushes the change feed to `topic`, which it builds from the broker
/// user (`lookout/api/<user>/resp/watch/<id>`, readable by that user alone under the shipped ACL), for as long as
/// the client renews its lease. A client that goes away without a word costs nothing once the lease runs out.
struct RemoteWatch: Sendable {
    /// The broker user who asked (the topic's user segment, which the broker's ACL proves).
    let user: String
    /// The client's name for the watch: one topic level, chosen per run of `lookout watch`.
    let watchID: String
    /// The request that started it: its id is the id of every pushed line.
    let requestID: String
    /// Where the changes go.
    let topic: String
    /// The last change pushed.
    var sequence: Int64
    /// When the watch ends unless renewed.
    var leaseUntil: EpochMillis
    /// A line with no changes after this long without one, so the client knows lookoutd is there.
    var heartbeatMillis: EpochMillis
    /// How often the feed is looked at for this watch.
    var intervalMillis: EpochMillis
    /// When the last line was pushed.
    var lastSent: EpochMillis = 0
    /// When the feed was last looked at.
    var lastLook: EpochMillis = 0

    /// The key in the service's table: watches are per user, so one user's id never reaches another's watch.
    var key: String { Self.key(user: user, watchID: watchID) }

    /// The table key of `user`'s watch `watchID`.
    static func key(user: String, watchID: String) -> String { user + "\n" + watchID }

    /// The topic of `user`'s watch `watchID`: under the user's answers (`pattern read lookout/api/%u/resp/#`).
    static func topic(user: String, watchID: String) -> String { "lookout/api/\(user)/resp/watch/\(watchID)" }

    /// Whether `text` may name a watch: 1 to 64 ASCII letters, digits, `.`, `_` or `-` (one topic level, no
    /// wildcard).
    static func isValidID(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64 && text.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }
}
