import FoundationEssentials
import Glibc
import Vocabulary

/// Who is running the CLI, for messages about file access (lookoutd finds out who acts by itself).
enum UserIdentity {
    /// The name of `uid`, or `uid N`.
    static func userName(uid: uid_t) -> String {
        if let entry = getpwuid(uid), let name = String(validatingCString: entry.pointee.pw_name) { return name }
        return "uid \(uid)"
    }

    /// The name of `gid`, or `gid N`.
    static func groupName(gid: gid_t) -> String {
        if let entry = getgrgid(gid), let name = String(validatingCString: entry.pointee.gr_name) { return name }
        return "gid \(gid)"
    }

    /// The effective user's name (the one file access is checked for).
    static var effectiveUserName: String { userName(uid: geteuid()) }
}
