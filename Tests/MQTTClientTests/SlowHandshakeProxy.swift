import Foundation
import LookoutTestSupport

/// A TCP relay to a broker whose listen queue starts full, so a client's TCP handshake stays pending
/// (its SYNs are dropped) until `open()`; then connections complete and are relayed to `targetPort`.
final class SlowHandshakeProxy: @unchecked Sendable {
    let port: Int
    private let targetPort: Int
    private let listener: Int32
    private let filler: Int32

    init(targetPort: Int) throws {
        self.targetPort = targetPort
        port = try FreePort.find()
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = FreePort.loopback(port: port)
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        _ = listen(listener, 0)
        // Fills the accept queue: later SYNs get no answer.
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(filler, $0, length) } }
    }

    /// Starts accepting (freeing the queue) and relaying every connection to the target.
    func open() {
        let listener = self.listener, targetPort = self.targetPort
        Thread.detachNewThread {
            while true {
                let client = accept(listener, nil, nil)
                guard client >= 0 else { return }
                let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                var address = FreePort.loopback(port: targetPort)
                let connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                guard connected == 0 else { close(client); close(upstream); continue }
                SlowHandshakeProxy.relay(from: client, to: upstream)
                SlowHandshakeProxy.relay(from: upstream, to: client)
            }
        }
    }

    private static func relay(from source: Int32, to destination: Int32) {
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 16_384)
            while true {
                let count = read(source, &buffer, buffer.count)
                guard count > 0, write(destination, buffer, count) == count else { break }
            }
            shutdown(destination, Int32(SHUT_WR))
        }
    }


    deinit {
        shutdown(listener, Int32(SHUT_RDWR))
        close(filler)
        close(listener)
    }
}
