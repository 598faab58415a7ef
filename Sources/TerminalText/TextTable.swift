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
        /// Creates a column.
        public init(_ title: String, alignRight: Bool = false, minWidth: Int = 1, maxWidth: Int = 1000) {
            self.title = title
            self.alignRight = alignRight
            self.minWidth = minWidth
            self.maxWidth = maxWidth
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

    /// The widths each column gets within `totalWidth` columns (nil: as wide as the content).
    public func columnWidths(totalWidth: Int?) -> [Int] {
        var natural = columns.map { min($0.maxWidth, DisplayWidth.of($0.title)) }
        for row in rows {
            for index in columns.indices where index < row.count {
                let width = DisplayWidth.of(row[index].text)
                natural[index] = max(natural[index], min(columns[index].maxWidth, width))
            }
        }
        guard let totalWidth else { return natural }
        var widths = natural
        let available = totalWidth - gap * max(0, columns.count - 1)
        // Shrink the widest shrinkable column one step at a time: fair, and keeps short columns whole.
        while widths.reduce(0, +) > available {
            var widest = -1
            for index in widths.indices where widths[index] > min(columns[index].minWidth, natural[index]) {
                if widest < 0 || widths[index] > widths[widest] { widest = index }
            }
            guard widest >= 0 else { break }
            widths[widest] -= 1
        }
        return widths
    }

    /// The table as text lines (header first), each ending in a newline.
    public func render(totalWidth: Int?, style: TerminalStyle) -> String {
        let widths = columnWidths(totalWidth: totalWidth)
        var out = ""
        let header = columns.map { Cell(TextSanitizer.sanitize($0.title), colour: .bold) }
        for row in [header] + rows {
            var line = ""
            for index in columns.indices {
                let cell = index < row.count ? row[index] : Cell("")
                let text = DisplayWidth.fit(cell.text, to: widths[index],
                                            alignRight: columns[index].alignRight)
                if index > 0 { line += String(repeating: " ", count: gap) }
                line += style.paint(text, cell.colour)
            }
            // No trailing spaces.
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}
