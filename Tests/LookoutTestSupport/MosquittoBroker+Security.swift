import Foundation

extension MosquittoBroker {
    /// Listener lines for a broker that needs a username and password from `passwordFile`.
    public static func passwordListener(_ passwordFile: PasswordFile) -> (Int) -> [String] {
        { port in ["listener \(port) 127.0.0.1", "allow_anonymous false", "password_file \(passwordFile.path)"] }
    }

    /// Listener lines for a TLS broker using `certificates`; with `requireClientCertificate` clients must
    /// present a certificate signed by the test CA.
    public static func tlsListener(_ certificates: TestCertificates, requireClientCertificate: Bool = false) -> (Int) -> [String] {
        { port in
            ["listener \(port) 127.0.0.1", "allow_anonymous true",
             "cafile \(certificates.caFile)", "certfile \(certificates.serverCertFile)", "keyfile \(certificates.serverKeyFile)",
             "require_certificate \(requireClientCertificate)"]
        }
    }

    /// When tests run as root, mosquitto drops to its own user: let it into `directory` and read `files`.
    static func makeReadableByBroker(_ directory: String, files: [String]) {
        guard getuid() == 0 else { return }
        _ = chmod(directory, 0o755)
        for file in files { _ = chmod(file, 0o644) }
    }
}
