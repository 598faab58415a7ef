import Foundation

/// A mosquitto password file made with `mosquitto_passwd`, in its own temporary directory.
public final class PasswordFile: @unchecked Sendable {
    /// Path of the file (give it to `password_file`).
    public let path: String
    private let directory: TemporaryDirectory

    /// Creates the file with `users` (name → password).
    public init(users: [String: String]) throws {
        directory = try TemporaryDirectory(prefix: "mosquitto-passwd")
        path = directory.file("passwd")
        try "".write(toFile: path, atomically: true, encoding: .utf8)
        for (user, password) in users.sorted(by: { $0.key < $1.key }) {
            let result = try ChildProcess.run("/usr/bin/mosquitto_passwd", ["-b", path, user, password])
            guard result.status == 0 else {
                throw MosquittoBroker.BrokerError(message: "mosquitto_passwd failed: \(result.stderr)")
            }
        }
        MosquittoBroker.makeReadableByBroker(directory.path, files: [path])
    }
}
