import EventCore
import TerminalText
import Vocabulary

/// The banner `lookout watch` keeps while maintenance silences are in force: a staff member must know that some
/// events are held back (and that red life-safety events are not). lookoutd names the silences in force on a watch's
/// first line and whenever they change; each one in force gets a banner line when it starts (or when the watch
/// starts), each one gone a line when it ends, and the periodic "all quiet" line says how many are in force.
extension WatchFeed {
    /// Banner lines for the silences lookoutd named (nil: unchanged), and remembers them.
    mutating func silenceBanner(_ named: [Silence]?, now: EpochMillis, width: Int?) -> String {
        guard let named else { return "" }
        let before = Set(silencesInForce.map(\.id))
        let after = Set(named.map(\.id))
        var out = ""
        for silence in silencesInForce where !after.contains(silence.id) {
            out += fitted(tr("maintenance silence #%1$d (%2$s) is over: events it held back are shown",
                             Int(silence.id), TextSanitizer.sanitize(SilenceText.scope(silence.scope))), now: now, width: width, colour: .green)
        }
        for silence in named where !before.contains(silence.id) {
            out += fitted("*** " + tr("maintenance silence #%1$d in force until %2$s: %3$s (%4$s, by %5$s); events there are held back, red life-safety events still ring",
                                       Int(silence.id), TimeText.local(silence.until), TextSanitizer.sanitize(SilenceText.scope(silence.scope)),
                                       TextSanitizer.sanitize(silence.reason), TextSanitizer.sanitize(silence.actor)) + " ***",
                          now: now, width: width, colour: .yellow)
        }
        silencesInForce = named
        return out
    }

    /// What the periodic "all quiet" line adds while silences are in force (empty when none is).
    var silenceReminder: String {
        silencesInForce.isEmpty ? "" : "; " + tr("%1$d maintenance silence(s) in force", silencesInForce.count)
    }

    /// One banner line with the time in front, cut to the terminal (a banner is a reminder, not an event: no bell).
    private func fitted(_ text: String, now: EpochMillis, width: Int?, colour: TerminalColour) -> String {
        var line = TimeText.clock(now) + "  " + text
        if let width, DisplayWidth.of(line) > width { line = DisplayWidth.truncate(line, to: width) }
        return command.context.style.paint(line, colour) + "\n"
    }
}
