import FoundationEssentials
import Glibc
import TerminalText
import Vocabulary

/// Where the CLI writes: stdout for results, stderr for errors. Every write goes out at once
/// (unbuffered), so `lookout watch` lines reach a pipe as they happen.
enum Console {
    /// Writes `text` to stdout as it is (callers sanitise device text).
    static func out(_ text: String) {
        write(text, to: 1)
    }

    /// Writes `text` to stderr.
    static func err(_ text: String) {
        write(text, to: 2)
    }

    /// The one-line error report: `lookout: error: …`, sanitised.
    static func error(_ message: String) {
        err(tr("lookout: error: %1$s", TextSanitizer.sanitize(message)) + "\n")
    }

    private static func write(_ text: String, to fileDescriptor: Int32) {
        StandardStream.write(text, to: fileDescriptor)
    }
}
