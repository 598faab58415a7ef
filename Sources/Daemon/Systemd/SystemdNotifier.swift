import FoundationEssentials
#if canImport(Glibc)
import Glibc
import Vocabulary
#endif

/// The sd_notify protocol without libsystemd: one datagram `sendto` per message on an AF_UNIX/SOCK_DGRAM
/// socket at `$NOTIFY_SOCKET` (a leading `@` names an abstract socket). Inactive when the variable is unset.
public final class SystemdNotifier: Sendable {
    /// The socket path from `NOTIFY_SOCKET`, or nil when not started by systemd with `Type=notify`.
    public let socketPath: String?
    /// How often to send `WATCHDOG=1` (half of `WATCHDOG_USEC`), or nil when the watchdog is off or not ours.
    public let watchdogInterval: Double?

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment, pid: Int32 = getpid()) {
        let path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        socketPath = path
        if path != nil, let usec = environment["WATCHDOG_USEC"].flatMap({ UInt64($0) }), usec > 0,
           environment["WATCHDOG_PID"].flatMap({ Int32($0) }).map({ $0 == pid }) ?? true {
            watchdogInterval = Double(usec) / 2_000_000
        } else {
            watchdogInterval = nil
        }
    }

    /// Whether messages go anywhere.
    public var isActive: Bool { socketPath != nil }

    /// `READY=1` (with a status line).
    public func ready(status: String? = nil) { send(["READY=1"] + statusLine(status)) }
    /// `RELOADING=1` with `MONOTONIC_USEC`, as `Type=notify-reload` expects (harmless for `Type=notify`).
    public func reloading() { send(["RELOADING=1", "MONOTONIC_USEC=\(Self.monotonicMicroseconds())"]) }
    /// `STOPPING=1`.
    public func stopping(status: String? = nil) { send(["STOPPING=1"] + statusLine(status)) }
    /// `STATUS=…` (one line, shown by `systemctl status`).
    public func status(_ text: String) { send(statusLine(text)) }
    /// `WATCHDOG=1`.
    public func watchdog() { send(["WATCHDOG=1"]) }

    /// Sends the assignments as one datagram. Returns whether it was sent (errors are not fatal: systemd may
    /// be gone during shutdown).
    @discardableResult
    public func send(_ assignments: [String]) -> Bool {
        guard let socketPath, !assignments.isEmpty else { return false }
        return Self.sendDatagram(Array(assignments.joined(separator: "\n").utf8), to: socketPath)
    }

    private func statusLine(_ text: String?) -> [String] {
        guard let text else { return [] }
        return ["STATUS=" + TextSanitizer.sanitize(text)]
    }

    /// CLOCK_MONOTONIC in microseconds.
    static func monotonicMicroseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000 + UInt64(time.tv_nsec) / 1_000
    }

    /// The only unsafe code: sends one datagram to the `sockaddr_un` of `path` (abstract when it starts with `@`).
    static func sendDatagram(_ bytes: [UInt8], to path: String) -> Bool {
        guard let address = UnixSocketAddress(path: path) else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let sent = bytes.withUnsafeBytes { buffer in
            address.withSockaddr { sendto(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL), $0, $1) }
        }
        return sent == bytes.count
    }
}
