import EventCore
import TerminalText
import Vocabulary

extension WatchCommand {
    /// The header line (on stderr, so the feed on stdout stays one line per change): what is watched, from which
    /// lookoutd, and where the feed starts; fitted to `width` by leaving out the Ctrl-C hint, then cutting the end.
    func header(endpoint: String, width: Int?) -> String {
        var filters: [String] = []
        if !levels.isEmpty { filters.append(tr("level %1$s", levels.map(EventText.levelWord).joined(separator: "/"))) }
        if let team { filters.append(tr("team %1$s", TextSanitizer.sanitize(team))) }
        if includeSilenced { filters.append(tr("silenced events too")) }
        let what = filters.isEmpty ? tr("all events") : tr("events (%1$s)", filters.joined(separator: ", "))
        let start = startFromBeginning ? tr("the whole feed first")
            : replay.map { tr("the last %1$d changes first", $0) } ?? tr("from now")
        let bellWord = bell ? tr("bell on") : tr("no bell")
        // The endpoint last: on a narrow terminal a cut path still leaves what is watched and how.
        let line = tr("watching %1$s; %2$s; %3$s; lookoutd at %4$s", what, start, bellWord, TextSanitizer.sanitize(endpoint))
        let full = line + " " + tr("(Ctrl-C to stop)")
        guard let width else { return full }
        if DisplayWidth.of(full) <= width { return full }
        return DisplayWidth.truncate(line, to: width)
    }
}
