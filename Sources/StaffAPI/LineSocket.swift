import FoundationEssentials
import Vocabulary
#if canImport(Glibc)
import Glibc
#endif

/// A connected stream socket read and written a line at a time (the staff API's framing), with timeouts so that
/// neither end waits forever on the other. Owns the descriptor and closes it.
public final class LineSocket {
    /// Why a line could not be read.
    public enum ReadError: Error, Equatable {
        /// The peer sent more than `maximumLineBytes` without a newline.
        case lineTooLong
        /// The peer closed the connection in the middle of a line.
        case truncated
    }

    /// The descriptor.
    public let fileDescriptor: Int32
    /// Longest line read (default `APILine.maximumBytes`, what a request may be).
    public var maximumLineBytes = APILine.maximumBytes
    private var buffer: [UInt8] = []
    private var closed = false

    /// Takes ownership of `fileDescriptor`; reads and writes give up after `timeoutSeconds`.
    public init(fileDescriptor: Int32, timeoutSeconds: Int) {
        self.fileDescriptor = fileDescriptor
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        _ = setsockopt(fileDescriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fileDescriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close() }

    /// Connects to the Unix stream socket at `path`. Throws `ErrnoError` (ENOENT: no socket there; ECONNREFUSED:
    /// a socket file nobody serves).
    public static func connect(path: String, timeoutSeconds: Int) throws -> LineSocket {
        guard let address = UnixSocketAddress(path: path) else {
            throw ErrnoError(errno: ENAMETOOLONG, operation: "cannot connect to \(path)")
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ErrnoError(operation: "cannot create a socket") }
        let result = address.withSockaddr { Glibc.connect(fd, $0, $1) }
        guard result == 0 else {
            let error = ErrnoError(operation: "cannot connect to \(path)")
            Glibc.close(fd)
            throw error
        }
        return LineSocket(fileDescriptor: fd, timeoutSeconds: timeoutSeconds)
    }

    /// The next line without its newline; nil when the peer closed the connection between lines.
    public func readLine() throws -> [UInt8]? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return line
            }
            guard buffer.count <= maximumLineBytes else { throw ReadError.lineTooLong }
            var chunk = [UInt8](repeating: 0, count: 16_384)
            let count = chunk.withUnsafeMutableBytes { recv(fileDescriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ErrnoError(operation: "cannot read from the API socket")
            }
            if count == 0 {
                if buffer.isEmpty { return nil }
                throw ReadError.truncated
            }
            buffer.append(contentsOf: chunk[..<count])
        }
    }

    /// Writes all of `bytes`.
    public func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                send(fileDescriptor, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw ErrnoError(operation: "cannot write to the API socket")
            }
            offset += written
        }
    }

    /// Closes the descriptor (once).
    public func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fileDescriptor)
    }
}
