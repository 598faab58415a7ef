import Foundation

/// Writing to standard error.
enum FileHandleOutput {
    /// Writes one line to standard error.
    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
