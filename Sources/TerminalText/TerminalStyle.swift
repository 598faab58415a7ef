#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// ANSI colours and attributes used by the CLI and the daemon's interactive output.
public enum TerminalColour: String, Sendable, CaseIterable {
    /// Red foreground.
    case red = "31"
    /// Yellow foreground.
    case yellow = "33"
    /// Green foreground.
    case green = "32"
    /// Cyan foreground.
    case cyan = "36"
    /// Bold.
    case bold = "1"
    /// Dim.
    case dim = "2"
    /// Bold red, for overdue and emergencies.
    case alarm = "1;31"
}

/// Whether and how to colour output. Colour is used only when the output is a terminal, `NO_COLOR`
/// is not set (https://no-color.org), `TERM` is not `dumb`, and the user did not pass `--no-color`.
/// `CLICOLOR_FORCE` (non-empty, not `0`) colours a pipe too; `NO_COLOR` and `--no-color` still win.
public struct TerminalStyle: Sendable, Equatable {
    /// Whether escape sequences are written at all.
    public var coloured: Bool

    /// A style that colours or not, as given.
    public init(coloured: Bool) { self.coloured = coloured }

    /// Decides for the output on `fileDescriptor` (1 for stdout).
    public static func detect(fileDescriptor: Int32 = 1, disabledByFlag: Bool = false,
                              environment: [String: String]) -> TerminalStyle {
        if disabledByFlag { return TerminalStyle(coloured: false) }
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return TerminalStyle(coloured: false) }
        if let force = environment["CLICOLOR_FORCE"], !force.isEmpty, force != "0" { return TerminalStyle(coloured: true) }
        if environment["TERM"] == "dumb" { return TerminalStyle(coloured: false) }
        return TerminalStyle(coloured: isatty(fileDescriptor) == 1)
    }

    /// `text` wrapped in the colour's escape sequence (or unchanged when not colouring).
    /// `text` must already be sanitised.
    public func paint(_ text: String, _ colour: TerminalColour?) -> String {
        guard coloured, let colour, !text.isEmpty else { return text }
        return "\u{1B}[\(colour.rawValue)m\(text)\u{1B}[0m"
    }
}

/// Size of the terminal.
public enum TerminalSize {
    /// Columns of the terminal on `fileDescriptor`, or of `COLUMNS`, or nil when neither is known.
    public static func columns(fileDescriptor: Int32 = 1, environment: [String: String]) -> Int? {
        var size = winsize()
        if isatty(fileDescriptor) == 1, ioctl(fileDescriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
            return Int(size.ws_col)
        }
        if let text = environment["COLUMNS"], let columns = Int(text), columns > 0 { return columns }
        return nil
    }
}
