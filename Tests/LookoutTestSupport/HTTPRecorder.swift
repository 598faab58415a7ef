import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 for notifier tests: records every request (method, path, headers, body)
/// and answers each with `status` (200 unless set). One connection at a time, `Connection: close`. Stopping it
/// closes the port (a client then cannot connect: "the gateway is down"); a new one can bind the same port.
public final class HTTPRecorder: @unchecked Sendable {
    /// One request as received.
    public struct Request: Sendable, Equatable {
        public var method: String
        public var path: String
        /// Header names lowercased.
        public var headers: [String: String]
        public var body: String
    }

    /// The port it listens on.
    public let port: Int
    /// `http://127.0.0.1:PORT/path`.
    public func url(_ path: String = "/hook") -> String { "http://127.0.0.1:\(port)\(path)" }

    private let fd: Int32
    private let recorded = Mutex<[Request]>([])
    private let statusCode = Atomic<Int>(200)
    private let stopped = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    /// Listens on `port` (0: a free one) and starts serving.
    public init(port requested: Int = 0) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = FreePort.loopback(port: requested)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    deinit { stop() }

    /// Every request so far, in arrival order.
    public var requests: [Request] { recorded.withLock { $0 } }

    /// The status code of the answers from now on (e.g. 503 to play a failing gateway).
    public func answer(with status: Int) { statusCode.store(status, ordering: .sequentiallyConsistent) }

    /// Closes the port and waits for the serving thread to end.
    public func stop() {
        guard !stopped.exchange(true, ordering: .sequentiallyConsistent) else { return }
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
        finished.wait()
    }

    private func serve() {
        defer { finished.signal() }
        while !stopped.load(ordering: .sequentiallyConsistent) {
            var pollFD = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pollFD, 1, 50) > 0 else { continue }
            if stopped.load(ordering: .sequentiallyConsistent) { return }
            let client = accept(fd, nil, nil)
            guard client >= 0 else { continue }
            handle(client)
            close(client)
        }
    }

    /// Reads one request (headers, then `Content-Length` bytes of body), records it, answers.
    private func handle(_ client: Int32) {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var headerEnd: Int?
        var contentLength = 0
        while true {
            if let end = headerEnd, data.count >= end + contentLength { break }
            let count = read(client, &buffer, buffer.count)
            guard count > 0 else { break }
            data += buffer[0..<count]
            if headerEnd == nil, let range = findHeaderEnd(data) {
                headerEnd = range
                let head = String(decoding: data[0..<range], as: UTF8.self)
                for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                    contentLength = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
        }
        guard let end = headerEnd else { return }
        let lines = String(decoding: data[0..<end], as: UTF8.self).split(separator: "\r\n").map(String.init)
        let requestLine = (lines.first ?? "").split(separator: " ").map(String.init)
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let body = String(decoding: data[end..<min(data.count, end + contentLength)], as: UTF8.self)
        let request = Request(method: requestLine.first ?? "", path: requestLine.count > 1 ? requestLine[1] : "",
                              headers: headers, body: body)
        recorded.withLock { $0.append(request) }
        let status = statusCode.load(ordering: .sequentiallyConsistent)
        let answer = "HTTP/1.1 \(status) \(status < 400 ? "OK" : "Unavailable")\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        _ = Array(answer.utf8).withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
    }

    /// Offset just past the blank line ending the headers.
    private func findHeaderEnd(_ data: [UInt8]) -> Int? {
        guard data.count >= 4 else { return nil }
        for index in 0...(data.count - 4) where data[index] == 13 && data[index + 1] == 10 && data[index + 2] == 13 && data[index + 3] == 10 {
            return index + 4
        }
        return nil
    }
}
