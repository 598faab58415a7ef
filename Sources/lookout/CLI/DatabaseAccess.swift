import Foundation

/// Checks access to the database before SQLite tries, so the error says which file, which user,
/// what access is missing, and what to do.
enum DatabaseAccess {
    /// The usual fix.
    static let groupHint = "staff accounts need to be in group 'lookout' (sudo usermod -aG lookout \(UserIdentity.effectiveUserName), then log in again)"

    /// The fix when the file is not group-writable: staff may read but not act (lookoutd's default mode 0640).
    static let readOnlyGroupHint = "the database is not group-writable, so staff can list events but not change them; "
        + "an administrator sets 'file_mode = 0660' under [storage] in lookoutd.conf and runs 'chmod g+w' on the database "
        + "and its -wal and -shm files"

    /// Throws `CLIError.failure` when the database is missing or not accessible as needed.
    /// SQLite in WAL mode writes the `-shm` file even to read, so readers need write access too
    /// unless the store opens read-only; the directory must be writable to create `-wal`/`-shm`.
    static func check(path: String, writing: Bool) throws {
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
        let needed = writing ? R_OK | W_OK : R_OK
        if access(path, needed) != 0 {
            let missing = access(path, R_OK) != 0 ? "read" : "write"
            let groupMayOnlyRead = missing == "write" && info.st_mode & S_IWGRP == 0 && isMember(ofGroup: info.st_gid)
            let hint = groupMayOnlyRead ? readOnlyGroupHint : groupHint
            throw CLIError.failure("cannot open database \(path) for \(missing == "read" ? "reading" : "writing"): user \(user) lacks \(missing) access (file \(describe(info))); \(hint)")
        }
        let directory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        if writing, access(directory, W_OK) != 0 {
            // SQLite needs to create the -wal and -shm files next to the database unless they exist.
            let journalsExist = access(path + "-wal", W_OK) == 0 && access(path + "-shm", W_OK) == 0
            if !journalsExist {
                throw CLIError.failure("cannot write next to database \(path): user \(user) lacks write access to directory \(directory) (needed for \(path)-wal and -shm); \(groupHint)")
            }
        }
    }

    /// Whether this process has `gid` as its effective or a supplementary group.
    private static func isMember(ofGroup gid: gid_t) -> Bool {
        if getegid() == gid { return true }
        var groups = [gid_t](repeating: 0, count: Int(max(getgroups(0, nil), 0)))
        let count = getgroups(Int32(groups.count), &groups)
        return count > 0 && groups.prefix(Int(count)).contains(gid)
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
