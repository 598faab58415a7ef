import FoundationEssentials
import Glibc
import Vocabulary

/// Checks access to the database before SQLite tries, so the error says which file, which user,
/// what access is missing, and what to do.
enum DatabaseAccess {
    /// The usual fix.
    static let groupHint = "staff accounts need to be in group 'lookout' (sudo usermod -aG lookout \(UserIdentity.effectiveUserName), then log in again)"

    /// Throws `CLIError.failure` when the database is missing or not readable. The store opens it read-only (staff
    /// change events through lookoutd, never by writing the file), so read access is all that is needed.
    static func check(path: String) throws {
        let user = "\(UserIdentity.effectiveUserName) (uid \(geteuid()))"
        var info = stat()
        guard stat(path, &info) == 0 else {
            let problem = errno
            if problem == EACCES {
                throw CLIError.failure("cannot reach database \(path): user \(user) may not search its directory; \(groupHint)")
            }
            throw CLIError.failure("no database at \(path) (is lookoutd installed and has it run? use --db PATH or LOOKOUT_DB)")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw CLIError.failure("\(path) is not a database file")
        }
        if access(path, R_OK) != 0 {
            throw CLIError.failure("cannot open database \(path) for reading: user \(user) lacks read access (file \(describe(info))); \(groupHint)")
        }
    }

    /// Whether a store's refusal is about file access (read-only, permission denied).
    static func isAccessProblem(_ detail: String) -> Bool {
        let lowered = detail.lowercased()
        return ["read-only", "readonly", "permission", "denied", "access"].contains { lowered.contains($0) }
    }

    /// `owner lookout, group lookout, mode 0640`.
    private static func describe(_ info: stat) -> String {
        let mode = String(info.st_mode & 0o7777, radix: 8)
        return "owner \(UserIdentity.userName(uid: info.st_uid)), group \(UserIdentity.groupName(gid: info.st_gid)), mode 0\(mode)"
    }
}
