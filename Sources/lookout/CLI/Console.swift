import Foundation
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
        err("lookout: error: \(TextSanitizer.sanitize(message))\n")
    }

    private static func write(_ text: String, to fileDescriptor: Int32) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return Foundation.write(fileDescriptor, base + offset, buffer.count - offset)
            }
            if written < 0 && errno == EINTR { continue }
            // A closed pipe or full disk: nothing sensible to do but stop writing.
            if written <= 0 { return }
            offset += written
        }
    }
}
