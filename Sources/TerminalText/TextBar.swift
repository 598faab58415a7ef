/// Small horizontal bar charts for terminal reports (`lookout stats`), in eighths of a column.
public enum TextBar {
    private static let partials: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉"]

    /// A bar for `value` out of `maximum`, at most `width` columns; empty for 0, at least a sliver otherwise.
    public static func render(_ value: Double, of maximum: Double, width: Int) -> String {
        guard value > 0, maximum > 0, width > 0, value.isFinite, maximum.isFinite else { return "" }
        let eighths = max(1, Int((min(value / maximum, 1) * Double(width * 8)).rounded()))
        var bar = String(repeating: "█", count: eighths / 8)
        if eighths % 8 > 0 { bar.append(partials[eighths % 8 - 1]) }
        return bar
    }
}
