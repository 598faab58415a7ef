import Foundation

/// Who is running the CLI.
enum UserIdentity {
    /// The login name: `getlogin`, then `USER`, then the name of the real uid, then `uid N`.
    static func loginName(environment: [String: String]) -> String {
        if let login = getlogin(), let name = String(validatingCString: login), !name.isEmpty { return name }
        if let user = environment["USER"], !user.isEmpty { return user }
        return userName(uid: getuid())
    }

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
