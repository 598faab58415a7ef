import FoundationEssentials
import Vocabulary
#if canImport(Glibc)
import Glibc
#endif

/// Who is at the other end of a local API connection, as the kernel says (`SO_PEERCRED`): nothing the client
/// sends can change it.
struct PeerIdentity: Sendable, Equatable {
    /// The peer's uid when it connected.
    var uid: uid_t
    /// Its login name (`getpwuid`), or `uid N` when the uid has no name.
    var user: String
    /// Whether `user` is a real login name (not the `uid N` stand-in).
    var hasName: Bool

    /// Where requests on such a connection come from, for the audit: `local uid 1000`.
    var origin: String { "local uid \(uid)" }

    /// The identity of the peer of connected Unix socket `fileDescriptor`.
    static func of(socket fileDescriptor: Int32) throws -> PeerIdentity {
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; } (Glibc's Swift module does not export it).
        var credentials: (Int32, UInt32, UInt32) = (0, 0, 0)
        var length = socklen_t(MemoryLayout.size(ofValue: credentials))
        guard getsockopt(fileDescriptor, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0 else {
            throw ErrnoError(operation: "cannot read the peer credentials of an API connection")
        }
        let uid = uid_t(credentials.1)
        if let name = loginName(uid: uid) { return PeerIdentity(uid: uid, user: name, hasName: true) }
        return PeerIdentity(uid: uid, user: "uid \(uid)", hasName: false)
    }

    /// The login name of `uid` (`getpwuid_r`: the API serves connections on several threads).
    static func loginName(uid: uid_t) -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4_096)
        let status = getpwuid_r(uid, &entry, &buffer, buffer.count, &result)
        guard status == 0, let result, let name = String(validatingCString: result.pointee.pw_name), !name.isEmpty else {
            return nil
        }
        return name
    }
}
