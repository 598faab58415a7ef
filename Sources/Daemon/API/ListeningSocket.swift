import FoundationEssentials
import StaffAPI
import Vocabulary
#if canImport(Glibc)
import Glibc
#endif

/// The staff API's listening Unix socket: created mode 0666 (who may do what is the staff directory's business,
/// taken from the peer's credentials), a stale file of a stopped daemon replaced, a socket another process
/// serves left alone. Removed again on close, unless something else has replaced it meanwhile.
final class ListeningSocket {
    /// Why the socket could not be served.
    struct Refusal: Error, CustomStringConvertible {
        var description: String
    }

    /// The path.
    let path: String
    private let fileDescriptor: Int32
    private let identity: (dev_t, ino_t)

    /// Binds and listens at `path`, creating its directory (mode 0755) if needed.
    init(path: String) throws {
        guard let address = UnixSocketAddress(path: path) else { throw Refusal(description: "the path is too long") }
        let directory = PathText.directory(of: path)
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
        }
        var existing = stat()
        if lstat(path, &existing) == 0 {
            guard existing.st_mode & S_IFMT == S_IFSOCK else {
                throw Refusal(description: "\(path) exists and is not a socket")
            }
            if let probe = try? LineSocketProbe.connects(to: path), probe {
                throw Refusal(description: "another process (another lookoutd?) already serves \(path)")
            }
            unlink(path)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ErrnoError(operation: "cannot create a socket") }
        // Bound with the daemon's umask (changing it would affect files other threads create meanwhile), then opened
        // up to 0666 before anyone is listened for.
        guard address.withSockaddr({ bind(fd, $0, $1) }) == 0 else {
            let error = ErrnoError(operation: "cannot bind")
            Glibc.close(fd)
            throw error
        }
        guard chmod(path, 0o666) == 0 else {
            let error = ErrnoError(operation: "cannot make the socket mode 0666")
            Glibc.close(fd)
            unlink(path)
            throw error
        }
        guard listen(fd, 64) == 0 else {
            let error = ErrnoError(operation: "cannot listen")
            Glibc.close(fd)
            unlink(path)
            throw error
        }
        var created = stat()
        _ = stat(path, &created)
        self.path = path
        self.fileDescriptor = fd
        self.identity = (created.st_dev, created.st_ino)
    }

    /// The next connection, or nil when none arrived within `timeoutMilliseconds`.
    func accept(timeoutMilliseconds: Int32) -> Int32? {
        var waiting = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&waiting, 1, timeoutMilliseconds) > 0, waiting.revents & Int16(POLLIN) != 0 else { return nil }
        let client = Glibc.accept(fileDescriptor, nil, nil)
        guard client >= 0 else { return nil }
        _ = fcntl(client, F_SETFD, FD_CLOEXEC)
        return client
    }

    /// Stops listening and removes the socket file if it is still the one created here.
    func close() {
        Glibc.close(fileDescriptor)
        var current = stat()
        if stat(path, &current) == 0, current.st_dev == identity.0, current.st_ino == identity.1 {
            unlink(path)
        }
    }
}

/// Whether something accepts connections on a Unix socket (a stale socket file refuses them).
enum LineSocketProbe {
    /// True when a connection to `path` succeeds.
    static func connects(to path: String) throws -> Bool {
        do {
            let socket = try LineSocket.connect(path: path, timeoutSeconds: 1)
            socket.close()
            return true
        } catch let error as ErrnoError where error.code == ECONNREFUSED {
            return false
        }
    }
}
