#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call: its `errno` and what was being done, for messages such as
/// "cannot create wake pipe: Too many open files".
///
/// The one place where `errno` becomes an error or its text: take it right after the call that failed
/// (`ErrnoError(operation: …)` reads the current `errno`), before anything else can change it.
public struct ErrnoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `errno` value.
    public let code: Int32
    /// What failed, e.g. "cannot create wake pipe"; empty when the caller words the message itself.
    public let operation: String

    /// Captures `errno` (by default the current one) for `operation`.
    public init(errno code: Int32 = errno, operation: String = "") {
        self.code = code
        self.operation = operation
    }

    /// The system's text for the code (`strerror`), e.g. "Permission denied".
    public var reason: String { String(cString: strerror(code)) }

    /// "operation: reason", or the reason alone when there is no operation.
    public var description: String { operation.isEmpty ? reason : "\(operation): \(reason)" }
}
