import FoundationEssentials
import Glibc
import Vocabulary

/// The CLI's end of the local door: sends one request over lookoutd's Unix socket and reads its response.
/// The daemon takes the caller's identity from the kernel, so nothing here says who is asking.
public struct LocalAPIClient: Sendable {
    /// Where lookoutd serves the API on this machine (`[api] socket` in lookoutd.conf).
    public static let defaultSocketPath = "/run/lookout/api.sock"

    /// How the exchange failed before any response arrived.
    public enum Failure: Error, Equatable {
        /// Nothing serves the socket (no file, or a file nobody listens on): the daemon is not running.
        case notRunning(path: String)
        /// Another system error (permission, timeout, a connection closed without an answer).
        case transport(String)
    }

    /// The socket path.
    public var socketPath: String
    /// Seconds to wait for the daemon at each step.
    public var timeoutSeconds: Int

    /// A client of the socket at `socketPath`.
    public init(socketPath: String = Self.defaultSocketPath, timeoutSeconds: Int = 30) {
        self.socketPath = socketPath
        self.timeoutSeconds = timeoutSeconds
    }

    /// A connection to the socket (`timeoutSeconds` for each read and write).
    private func connect(timeoutSeconds: Int) throws(Failure) -> LineSocket {
        do {
            let socket = try LineSocket.connect(path: socketPath, timeoutSeconds: timeoutSeconds)
            socket.maximumLineBytes = APILine.maximumResponseBytes
            return socket
        } catch let error as ErrnoError where [ENOENT, ECONNREFUSED, ENOTDIR].contains(error.code) {
            throw .notRunning(path: socketPath)
        } catch {
            throw .transport("\(error)")
        }
    }

    /// Sends a request that keeps the connection (`watch`) and hands each response line to `each`, until `each`
    /// returns false or `stop` says so (both: a normal end), or the connection ends or stays silent for
    /// `silenceLimitSeconds` (a `Failure`: the daemon is gone or stuck). `stop` is asked at least every second.
    public func stream(_ request: APIRequest, silenceLimitSeconds: Double, stop: () -> Bool,
                       each: (APIResponse) -> Bool) throws(Failure) {
        let socket = try connect(timeoutSeconds: 1)
        do {
            try socket.write(try APILine.encode(request))
            var lastLine = Date()
            while !stop() {
                let line: [UInt8]?
                do {
                    line = try socket.readLine()
                } catch let error as ErrnoError where error.code == EAGAIN || error.code == EWOULDBLOCK {
                    if Date().timeIntervalSince(lastLine) > silenceLimitSeconds {
                        throw Failure.transport("no word from lookoutd for \(Int(silenceLimitSeconds)) s")
                    }
                    continue
                }
                guard let line else { throw Failure.transport("lookoutd closed the connection") }
                lastLine = Date()
                guard each(try APILine.decode(APIResponse.self, from: line)) else { return }
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .transport("\(error)")
        }
    }

    /// Sends `request` and returns the daemon's response.
    public func send(_ request: APIRequest) throws(Failure) -> APIResponse {
        let socket = try connect(timeoutSeconds: timeoutSeconds)
        do {
            try socket.write(try APILine.encode(request))
            guard let line = try socket.readLine() else {
                throw Failure.transport("lookoutd closed the connection without answering")
            }
            return try APILine.decode(APIResponse.self, from: line)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .transport("\(error)")
        }
    }
}
