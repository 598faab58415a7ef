import Vocabulary
/// A plain-text table that fits a terminal width: fixed columns keep their width, flexible columns
/// share what is left, cells are truncated with `…` and measured in terminal columns (CJK-aware).
///
/// Cells are sanitised here, so callers can pass device text directly.
public struct TextTable: Sendable {
    /// One column.
    public struct Column: Sendable {
        /// Header text.
        public var title: String
        /// Right-align (numbers).
        public var alignRight: Bool
        /// Width is never reduced below this (unless the content is narrower).
        public var minWidth: Int
        /// Width is never more than this.
        public var maxWidth: Int
        /// When even the narrowest columns do not fit, columns are left out, lowest `dropOrder` first; nil: never.
        public var dropOrder: Int?
        /// Creates a column.
        public init(_ title: String, alignRight: Bool = false, minWidth: Int = 1, maxWidth: Int = 1000, dropOrder: Int? = nil) {
            self.title = title
            self.alignRight = alignRight
            self.minWidth = minWidth
            self.maxWidth = maxWidth
            self.dropOrder = dropOrder
        }

        /// A column that is never shortened or left out (ids, levels, deadlines): a cut id is a wrong id.
        public static func whole(_ title: String, alignRight: Bool = false) -> Column {
            Column(title, alignRight: alignRight, minWidth: .max)
        }
    }

    /// One cell: text and an optional colour.
    public struct Cell: Sendable, ExpressibleByStringLiteral {
        /// The text (sanitised when rendered).
        public var text: String
        /// Colour, when colouring.
        public var colour: TerminalColour?
        /// Creates a cell.
        public init(_ text: String, colour: TerminalColour? = nil) {
            self.text = text
            self.colour = colour
        }
        /// A cell from a literal.
        public init(stringLiteral value: String) { self.init(value) }
    }

    /// The columns.
    public var columns: [Column]
    /// The rows, each with one cell per column, already sanitised.
    public private(set) var rows: [[Cell]] = []
    /// Spaces between columns.
    public var gap = 2

    /// Creates an empty table.
    public init(columns: [Column]) { self.columns = columns }

    /// Adds a row (missing cells are empty, extra cells are ignored). Cell text is sanitised here.
    public mutating func append(_ row: [Cell]) {
        rows.append(row.map { Cell(TextSanitizer.sanitize($0.text), colour: $0.colour) })
    }

    /// The widths each column gets within `totalWidth` columns (nil: as wide as the content); 0 for a column left out.
    public func columnWidths(totalWidth: Int?) -> [Int] { layout(totalWidth: totalWidth).map { $0 ?? 0 } }

    /// The width of each column within `totalWidth`, nil for a column left out: columns shrink first (widest
    /// first, not below their minimum); when that is not enough, droppable columns go, lowest `dropOrder` first.
    func layout(totalWidth: Int?) -> [Int?] {
        var natural = columns.map { min($0.maxWidth, DisplayWidth.of($0.title)) }
        for row in rows {
            for index in columns.indices where index < row.count {
                let width = DisplayWidth.of(row[index].text)
                natural[index] = max(natural[index], min(columns[index].maxWidth, width))
            }
        }
        guard let totalWidth else { return natural }
        var shown = Array(columns.indices)
        let dropping = columns.indices.filter { columns[$0].dropOrder != nil }.sorted { columns[$0].dropOrder! < columns[$1].dropOrder! }
        // A column that can be left out is not first cut to a stump: it keeps its heading readable, or goes.
        let floors = columns.indices.map { index in
            let column = columns[index]
            return min(natural[index], column.dropOrder == nil ? column.minWidth : max(column.minWidth, DisplayWidth.of(column.title)))
        }
        var widths = shrunk(natural, floors: floors, shown: shown, totalWidth: totalWidth)
        for index in dropping {
            guard shown.reduce(0, { $0 + widths[$1] }) + gap * max(0, shown.count - 1) > totalWidth else { break }
            shown.removeAll { $0 == index }
            widths = shrunk(natural, floors: floors, shown: shown, totalWidth: totalWidth)
        }
        return columns.indices.map { shown.contains($0) ? widths[$0] : nil }
    }

    /// `natural` with the `shown` columns shrunk one step at a time, widest first, until they fit `totalWidth`
    /// or are all at their `floors`: fair, and keeps short columns whole.
    private func shrunk(_ natural: [Int], floors: [Int], shown: [Int], totalWidth: Int) -> [Int] {
        var widths = natural
        let available = totalWidth - gap * max(0, shown.count - 1)
        while shown.reduce(0, { $0 + widths[$1] }) > available {
            var widest = -1
            for index in shown where widths[index] > floors[index] {
                if widest < 0 || widths[index] > widths[widest] { widest = index }
            }
            guard widest >= 0 else { break }
            widths[widest] -= 1
        }
        return widths
    }

    /// The table as text lines (header first), each ending in a newline.
    public func render(totalWidth: Int?, style: TerminalStyle) -> String {
        let widths = layout(totalWidth: totalWidth)
        var out = ""
        let header = columns.map { Cell(TextSanitizer.sanitize($0.title), colour: .bold) }
        for row in [header] + rows {
            var line = ""
            var first = true
            for index in columns.indices {
                guard let width = widths[index] else { continue }
                let cell = index < row.count ? row[index] : Cell("")
                let text = DisplayWidth.fit(cell.text, to: width, alignRight: columns[index].alignRight)
                if !first { line += String(repeating: " ", count: gap) }
                first = false
                line += style.paint(text, cell.colour)
            }
            // No trailing spaces.
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}
