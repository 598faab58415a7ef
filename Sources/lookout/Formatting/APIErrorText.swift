import EventCore
import StaffAPI
import TerminalText
import Vocabulary

/// A refusal of lookoutd in the staff's language: lookoutd sends an English line, and for the messages staff meet
/// every day a reason and its values (`APIError+Reasons.swift`), which a catalog can say in its own words and order.
enum APIErrorText {
    /// The line to print, sanitised: lookoutd's own line in English (it may say more, e.g. the refused action) or
    /// when the reason is not one this CLI knows.
    static func message(_ error: APIError) -> String {
        let values = (error.values ?? []).map { TextSanitizer.sanitize($0) }
        guard Localized.hasCatalog, let reason = error.reason, let text = translated(reason, values) else {
            return TextSanitizer.sanitize(error.message)
        }
        return text
    }

    /// The message for `reason` with its `values`, nil for an unknown reason or too few values.
    static func translated(_ reason: String, _ values: [String]) -> String? {
        switch (reason, values.count) {
        case (APIError.unknownEvent, 1...): return tr("no event with id %1$s", values[0])
        case (APIError.invalidTransition, 3...):
            let status = EventStatus(rawValue: values[1]).map(EventText.statusWord) ?? values[1]
            return tr("cannot %1$s %2$s: it is %3$s", verb(values[2]), values[0], status)
        case (APIError.unknownTeam, 3...):
            let teams = values[2].isEmpty ? tr("none") : trList(values[2].split(separator: ",").map(String.init))
            return tr("%1$s has not brought in team %2$s (its teams: %3$s)", values[0], values[1], teams)
        case (APIError.alreadyReportedIn, 4...):
            let time = EpochMillis(values[2]).map(TimeText.local) ?? values[2]
            return tr("%1$s already reported in on %2$s at %3$s (%4$s)", values[1], values[0], time, values[3])
        case (APIError.refusedRole, 3...):
            return tr("refused: %1$s (role %2$s) may not do this: it needs role %3$s", values[0], values[1], values[2])
        case (APIError.notInDirectory, 2...):
            return tr("%1$s is not in the staff directory %2$s", values[0], values[1])
        case (APIError.unknownSilence, 1...): return tr("no silence in force with id %1$s", values[0])
        case (APIError.unknownAway, 1...): return tr("no away note in force with id %1$s", values[0])
        case (APIError.unknownStaff, 1...): return tr("%1$s is not in the staff directory: hand over to a member of staff", values[0])
        case (APIError.handoverToSelf, 1...): return tr("%1$s cannot hand the shift over to themselves", values[0])
        case (APIError.noHandover, 1...): return tr("no handover waits for %1$s: the outgoing staff hands over first (lookout handover --to %1$s)", values[0])
        case (APIError.handoverForOther, 3...):
            return tr("%1$s handed the shift over to %2$s, not to %3$s", values[0], values[1], values[2])
        case (APIError.unknownCause, 2...):
            return tr("'%1$s' is not a cause; the causes are %2$s", values[0], trList(values[1].split(separator: ",").map(String.init)))
        case (APIError.causeNotForKind, 3...):
            return tr("%1$s: the cause %2$s is for call buttons (sos) only, not for a %3$s event", values[0], values[1], values[2])
        default: return nil
        }
    }

    /// `EventAction.verb` (and a report-in) in the staff's language.
    static func verb(_ action: String) -> String {
        switch action {
        case "acknowledge": return tr("acknowledge")
        case "dispatch": return tr("dispatch")
        case "mark on site": return tr("mark on site")
        case "resolve": return tr("resolve")
        case "close": return tr("close")
        case "reopen": return tr("reopen")
        case "add a note to": return tr("add a note to")
        default:
            let prefix = "report in for "
            if action.hasPrefix(prefix) { return tr("report in for %1$s", String(action.dropFirst(prefix.count))) }
            return action
        }
    }
}
