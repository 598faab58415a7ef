import EventCore
import TerminalText
import Vocabulary

/// One line of `lookout watch` fitted to the terminal: made of parts that give way, least important first, so an
/// event stays on one line at 80 columns; the action, event id, level and device id never give way (a cut id is a
/// wrong id), so a line may only be wider than the terminal when those and the time alone are.
struct WatchLine {
    /// One part of the line.
    struct Part {
        /// The text, sanitised.
        var text: String
        /// Its colour, when colouring.
        var colour: TerminalColour? = nil
        /// Padded with spaces to this many cells while there is room (columns that line up), never cut to it.
        var pad = 0
        /// When the line is too wide, the part is shortened (ending in `…`) at this step, not below `minimum`.
        var shrink: Int? = nil
        /// The fewest cells shortening leaves.
        var minimum = 0
        /// When the line is too wide, the part is left out at this step; nil: never.
        var drop: Int? = nil
        /// When the line is too wide, the text is replaced by this shorter one at `step` (the time without seconds).
        var shorter: (step: Int, text: String)? = nil
        /// What the part is, for those who ask whether it survived (`place`).
        var role: Role = .other

        /// Cells the part takes as it stands.
        var width: Int { max(pad, DisplayWidth.of(text)) }
    }

    /// Parts whose survival matters after fitting.
    enum Role { case place, other }

    /// The steps of giving way, in order: what goes or shortens first. Padding goes after the least useful parts.
    /// Names are never cut (a cut name is a wrong name): who acted goes whole, after the deadline, and to whom an
    /// event was dispatched goes last.
    enum Step {
        static let age = 10, lateness = 20, kind = 30, count = 40, unpad = 50, status = 60, title = 70
        static let reportIn = 80, maintenance = 85, place = 90, dropReportIn = 100, dropTitle = 110
        static let dropMaintenance = 120, dropPlace = 130, minutes = 135, deadline = 140, actor = 150, target = 160
    }

    /// Spaces between parts.
    static let gap = 2

    /// The parts as they are after fitting `width` (nil: unknown, nothing gives way).
    var parts: [Part]

    /// Fits `parts` into `width` cells, taking the steps in order until the line fits.
    init(_ parts: [Part], width: Int?) {
        self.parts = parts
        guard let width else { return }
        let steps = Set(parts.flatMap { [$0.drop, $0.shrink, $0.shorter?.step].compactMap { $0 } } + [Step.unpad]).sorted()
        defer { restoreShortened(parts, width: width) }
        for step in steps {
            let excess = self.width - width
            if excess <= 0 { return }
            if step == Step.unpad {
                for index in self.parts.indices { self.parts[index].pad = 0 }
                continue
            }
            self.parts.removeAll { $0.drop == step }
            for index in self.parts.indices where self.parts[index].shorter?.step == step {
                self.parts[index].text = self.parts[index].shorter!.text
            }
            var left = self.width - width
            for index in self.parts.indices where self.parts[index].shrink == step && left > 0 {
                let current = DisplayWidth.of(self.parts[index].text)
                let target = max(self.parts[index].minimum, current - left)
                guard target < current else { continue }
                self.parts[index].text = DisplayWidth.truncate(self.parts[index].text, to: target)
                left -= current - DisplayWidth.of(self.parts[index].text)
            }
        }
    }

    /// Puts back the full text of parts shortened on the way (`shorter`) when the line still fits with it.
    private mutating func restoreShortened(_ original: [Part], width: Int) {
        for index in parts.indices {
            guard let shorter = parts[index].shorter, parts[index].text == shorter.text,
                  let full = original.first(where: { $0.shorter?.text == shorter.text })?.text else { continue }
            let extra = DisplayWidth.of(full) - DisplayWidth.of(shorter.text)
            if self.width + extra <= width { parts[index].text = full }
        }
    }

    /// Cells the line takes.
    var width: Int { parts.reduce(0) { $0 + $1.width } + Self.gap * max(0, parts.count - 1) }

    /// Whether a part of `role` is still on the line.
    func contains(_ role: Role) -> Bool { parts.contains { $0.role == role } }

    /// The line, coloured by `style`, without trailing spaces and without a newline.
    func rendered(style: TerminalStyle) -> String {
        var out = parts.map { part in
            let padding = String(repeating: " ", count: max(0, part.pad - DisplayWidth.of(part.text)))
            return style.paint(part.text, part.colour) + padding
        }.joined(separator: String(repeating: " ", count: Self.gap))
        while out.hasSuffix(" ") { out.removeLast() }
        return out
    }
}
