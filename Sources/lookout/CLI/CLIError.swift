#if canImport(Glibc)
import Glibc
#endif

/// How the CLI fails: each case maps to an exit code and at most one line on stderr.
enum CLIError: Error, Equatable, CustomStringConvertible {
    /// Bad usage: unknown option, missing argument, malformed value. Exit 64 (EX_USAGE).
    case usage(String)
    /// The command could not do its job: unknown id, refused transition, database problem. Exit 1.
    case failure(String)
    /// Exit with this status without a message (the command already printed what it had to say).
    case exit(Int32)
    /// `--help` was asked for this command.
    case helpRequested

    /// Exit code for bad usage: sysexits.h's EX_USAGE (64), as `lookout-sim` uses too.
    static let usageExitCode: Int32 = EX_USAGE

    /// The process exit code.
    var exitCode: Int32 {
        switch self {
        case .usage: return Self.usageExitCode
        case .failure: return 1
        case .exit(let code): return code
        case .helpRequested: return 0
        }
    }

    /// The message (empty for `.exit` and `.helpRequested`).
    var description: String {
        switch self {
        case .usage(let message), .failure(let message): return message
        case .exit, .helpRequested: return ""
        }
    }
}
