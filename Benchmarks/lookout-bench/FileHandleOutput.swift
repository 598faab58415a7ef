import Vocabulary

/// Writing to standard error.
enum FileHandleOutput {
    /// Writes one line to standard error.
    static func error(_ line: String) {
        StandardStream.writeError(line + "\n")
    }
}
