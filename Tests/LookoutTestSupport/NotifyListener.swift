import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Stands in for systemd's notify socket: an `AF_UNIX`/`SOCK_DGRAM` socket bound to a file path, read by a
/// background thread so the sender never blocks on a full queue (Linux queues at most
/// `net.unix.max_dgram_qlen` datagrams, 10 by default). Every datagram is kept in arrival order.
public final class NotifyListener: @unchecked Sendable {
    /// One datagram as received.
    public struct Message: Sendable, Equatable {
        /// The `KEY=value` lines of the datagram, in order.
        public var lines: [String]
        /// When it arrived (monotonic).
        public var receivedAt: ContinuousClock.Instant

        /// Whether one line is exactly `line`.
        public func has(_ line: String) -> Bool { lines.contains(line) }

        /// The value of `KEY=` in this datagram, if present.
        public func value(of key: String) -> String? {
            lines.first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
        }
    }

    /// The value to put into `NOTIFY_SOCKET`.
    public let address: String
    private let fd: Int32
    private let reader: Reader

    /// Binds the socket at `path` (which must not exist) and starts reading.
    public convenience init(path: String) throws {
        try self.init(socketPath: Array(path.utf8) + [0], address: path)
    }

    /// Binds the socket in the abstract namespace as `name` (`NOTIFY_SOCKET=@name`) and starts reading.
    public convenience init(abstractName name: String) throws {
        try self.init(socketPath: [0] + Array(name.utf8), address: "@" + name)
    }

    /// Binds to `sun_path` = `bytes` (with its NUL terminator for a file; leading NUL for an abstract name).
    private init(socketPath bytes: [UInt8], address: String) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        guard bytes.count <= MemoryLayout.size(ofValue: socketAddress.sun_path) else {
            close(fd)
            throw POSIXError(.ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EINVAL)
        }
        self.fd = fd
        self.address = address
        reader = Reader(fd: fd)
        let reader = self.reader
        let thread = Thread { reader.run() }
        thread.name = "notify-listener"
        thread.start()
    }

    deinit {
        reader.stop()
        close(fd)
        if !address.hasPrefix("@") { unlink(address) }
    }

    /// Every datagram received so far, in order.
    public var messages: [Message] { reader.received.withLock { $0 } }

    /// Waits until a datagram at index `from` or later satisfies `matches`; returns its index, or nil after
    /// `timeout` seconds (a bound for failing, not a measurement).
    public func waitForMessage(from: Int = 0, timeout: Double, where matches: (Message) -> Bool) -> Int? {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            let all = messages
            if from < all.count, let index = all[from...].firstIndex(where: matches) { return index }
            usleep(10_000)
        } while Date() < deadline
        return nil
    }

    /// Waits for a datagram at index `from` or later with the line `line` (e.g. `READY=1`); returns its index.
    public func waitFor(_ line: String, from: Int = 0, timeout: Double) -> Int? {
        waitForMessage(from: from, timeout: timeout) { $0.has(line) }
    }

    /// The background reader (a separate object, so the thread does not keep the listener alive).
    private final class Reader: Sendable {
        let fd: Int32
        let received = Mutex<[Message]>([])
        private let stopRequested = Atomic<Bool>(false)
        private let done = Atomic<Bool>(false)

        init(fd: Int32) { self.fd = fd }

        /// Reads datagrams until `stop()`.
        func run() {
            defer { done.store(true, ordering: .sequentiallyConsistent) }
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while !stopRequested.load(ordering: .sequentiallyConsistent) {
                var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&descriptor, 1, 50) == 1 else { continue }
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { continue }
                let text = String(decoding: buffer.prefix(count), as: UTF8.self)
                let message = Message(lines: text.split(separator: "\n").map(String.init), receivedAt: .now)
                received.withLock { $0.append(message) }
            }
        }

        /// Stops `run()` and waits for it to return.
        func stop() {
            stopRequested.store(true, ordering: .sequentiallyConsistent)
            while !done.load(ordering: .sequentiallyConsistent) { usleep(5_000) }
        }
    }
}
