import Foundation
import LookoutTestSupport
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A TCP relay between lookoutd and the broker that can swallow what lookoutd sends (its PUBACKs among it)
/// and then cut the connection: the broker is left with delivered but unacknowledged messages, which it
/// resends when lookoutd reconnects, exactly as after a network failure at the wrong moment.
final class AckDroppingRelay: @unchecked Sendable {
    let port: Int
    private let targetPort: Int
    private let listener: Int32
    /// While set, bytes from the client are read and dropped.
    private let swallowing = Atomic<Bool>(false)
    /// Sockets of the live connections (client and upstream).
    private let sockets = Mutex<[Int32]>([])

    /// Listens on a free loopback port and relays every connection to `targetPort`.
    init(targetPort: Int) throws {
        self.targetPort = targetPort
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = FreePort.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = listen(fd, 16)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in
            while true {
                let client = accept(self.listener, nil, nil)
                guard client >= 0 else { return }
                let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                var target = FreePort.loopback(port: targetPort)
                let connected = withUnsafePointer(to: &target) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                guard connected == 0 else { close(client); close(upstream); continue }
                sockets.withLock { $0 += [client, upstream] }
                relay(from: client, to: upstream, droppable: true)
                relay(from: upstream, to: client, droppable: false)
            }
        }
    }

    /// From now on, drops everything the client sends (acknowledgements never reach the broker).
    func swallowClientBytes() { swallowing.store(true, ordering: .sequentiallyConsistent) }

    /// Cuts every live connection and relays new ones normally again.
    func cutConnections() {
        let live = sockets.withLock { sockets in
            defer { sockets = [] }
            return sockets
        }
        for socket in live { shutdown(socket, Int32(SHUT_RDWR)) }
        swallowing.store(false, ordering: .sequentiallyConsistent)
    }

    private func relay(from source: Int32, to destination: Int32, droppable: Bool) {
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 16_384)
            while true {
                let count = read(source, &buffer, buffer.count)
                guard count > 0 else { break }
                if droppable && swallowing.load(ordering: .sequentiallyConsistent) { continue }
                guard write(destination, buffer, count) == count else { break }
            }
            // Not closed: a descriptor number freed here could be reused by another socket of the test
            // process before `cutConnections` shuts this one down (a test leaks a few).
            shutdown(destination, Int32(SHUT_RDWR))
        }
    }


    deinit {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        cutConnections()
    }
}
