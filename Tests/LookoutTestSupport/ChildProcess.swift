import Foundation

/// Runs a built executable of this package (`lookoutd`, `lookout`, `lookout-sim`) for tests.
public enum ChildProcess {
    /// Directory of the built products: `LOOKOUT_BIN_DIR`, else the directory of the running test bundle.
    public static var productsDirectory: String {
        if let dir = ProcessInfo.processInfo.environment["LOOKOUT_BIN_DIR"] { return dir }
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return (bundle.bundlePath as NSString).deletingLastPathComponent
        }
        let arg0 = CommandLine.arguments.first ?? ""
        return (arg0 as NSString).deletingLastPathComponent
    }

    /// Path of a product by name.
    public static func product(_ name: String) -> String {
        (productsDirectory as NSString).appendingPathComponent(name)
    }

    /// The outcome of a finished process.
    public struct Result: Sendable {
        /// Exit status (or signal number when killed by one).
        public var status: Int32
        /// Everything written to stdout.
        public var stdout: String
        /// Everything written to stderr.
        public var stderr: String
    }

    /// Runs `executable` with `arguments` to completion, feeding `input` on stdin.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           input: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try? inPipe.fileHandleForWriting.close()
        // Read both pipes fully before waiting, so a chatty child cannot block on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}
