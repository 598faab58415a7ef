import Foundation

/// A throw-away certificate authority with a server certificate for 127.0.0.1/localhost and a client
/// certificate, made with `openssl` in a temporary directory.
public final class TestCertificates: @unchecked Sendable {
    /// CA certificate (PEM): clients and the broker trust it.
    public let caFile: String
    /// Server certificate (CN=localhost, subjectAltName DNS:localhost, IP:127.0.0.1).
    public let serverCertFile: String
    /// Server key.
    public let serverKeyFile: String
    /// Client certificate (CN=`clientCommonName`), signed by the CA.
    public let clientCertFile: String
    /// Client key.
    public let clientKeyFile: String
    /// A second CA that signed nothing here: trusting only it must fail verification.
    public let otherCAFile: String
    /// Common name of the client certificate.
    public let clientCommonName = "lookout-test-client"
    private let directory: TemporaryDirectory

    /// Generates everything (a second or so of `openssl`).
    public init() throws {
        directory = try TemporaryDirectory(prefix: "lookout-certs")
        caFile = directory.file("ca.crt")
        serverCertFile = directory.file("server.crt")
        serverKeyFile = directory.file("server.key")
        clientCertFile = directory.file("client.crt")
        clientKeyFile = directory.file("client.key")
        otherCAFile = directory.file("other-ca.crt")
        try makeAuthority(name: "ca", commonName: "Lookout Test CA")
        try makeAuthority(name: "other-ca", commonName: "Unrelated Test CA")
        try makeSignedCertificate(name: "server", commonName: "localhost",
                                  extensions: "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
        try makeSignedCertificate(name: "client", commonName: clientCommonName, extensions: "extendedKeyUsage=clientAuth\n")
        MosquittoBroker.makeReadableByBroker(directory.path, files: [caFile, serverCertFile, serverKeyFile])
    }

    private func makeAuthority(name: String, commonName: String) throws {
        try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                     "-keyout", directory.file("\(name).key"), "-out", directory.file("\(name).crt"),
                     "-subj", "/CN=\(commonName)"])
    }

    private func makeSignedCertificate(name: String, commonName: String, extensions: String) throws {
        let extensionsFile = directory.file("\(name).ext")
        try extensions.write(toFile: extensionsFile, atomically: true, encoding: .utf8)
        try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", directory.file("\(name).key"),
                     "-out", directory.file("\(name).csr"), "-subj", "/CN=\(commonName)"])
        try openssl(["x509", "-req", "-in", directory.file("\(name).csr"), "-CA", caFile, "-CAkey", directory.file("ca.key"),
                     "-CAcreateserial", "-days", "2", "-out", directory.file("\(name).crt"), "-extfile", extensionsFile])
    }

    private func openssl(_ arguments: [String]) throws {
        let result = try ChildProcess.run("/usr/bin/openssl", arguments)
        guard result.status == 0 else {
            throw MosquittoBroker.BrokerError(message: "openssl \(arguments.first ?? "") failed: \(result.stderr)")
        }
    }
}
