#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `sockaddr_un` built from a path: the one place that lays out Unix socket addresses, for the systemd
/// notify socket and the staff API socket (server and client).
public struct UnixSocketAddress: Sendable {
    /// The path as given (`@name` for an abstract socket).
    public let path: String
    private let storage: sockaddr_un
    /// The length to pass with the address: abstract names use exactly their bytes, file paths include the NUL.
    public let length: socklen_t

    /// The address of `path`; nil when it is empty or too long for `sun_path` (108 bytes on Linux). A leading `@`
    /// names an abstract socket (replaced by a NUL byte).
    public init?(path: String) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(path.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !pathBytes.isEmpty, pathBytes.count < capacity else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let pathLength = pathBytes[0] == 0 ? pathBytes.count : pathBytes.count + 1
        self.path = path
        self.storage = address
        self.length = socklen_t(MemoryLayout<sa_family_t>.size + pathLength)
    }

    /// Calls `body` with the address as a `sockaddr` pointer and its length (for `bind`, `connect`, `sendto`).
    public func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> T) rethrows -> T {
        var address = storage
        return try withUnsafePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, length) }
        }
    }
}
