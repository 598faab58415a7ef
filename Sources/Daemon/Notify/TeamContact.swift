import EventCore
import Vocabulary

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
    public var minimumLevel: AlertLevel?
}
