import FoundationEssentials
import Glibc
import Vocabulary

/// File-system side of the database: creation mode, group, and access checks with clear messages.
enum DatabaseFile {
    /// Default mode of a new database file: owner read/write, group read.
    static let defaultMode: mode_t = 0o640
    /// Group given read access when it exists.
    static let groupName = "lookout"

    /// Creates `path` (empty, with `mode`, group `lookout` when possible) if it does not exist, and
    /// checks that it can be read and written. Throws `permissionDenied` with a clear reason.
    static func prepareForWriting(_ path: String, mode: mode_t = defaultMode) throws {
        let directory = PathText.directory(of: path)
        if !FileManager.default.fileExists(atPath: path) {
            let parent = directory.isEmpty ? "." : directory
            guard access(parent, W_OK | X_OK) == 0 else {
                throw EventStoreError.permissionDenied(
                    path: path, detail: "cannot create the database: directory \(parent) is not writable (\(ErrnoError().reason))")
            }
            let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode)
            if descriptor >= 0 {
                _ = fchmod(descriptor, mode)
                giveToGroup(descriptor)
                close(descriptor)
            } else if errno != EEXIST {
                throw EventStoreError.permissionDenied(path: path, detail: "cannot create the database: \(ErrnoError().reason)")
            }
        }
        guard access(path, R_OK | W_OK) == 0 else {
            throw EventStoreError.permissionDenied(
                path: path, detail: "need read and write access (\(ErrnoError().reason)); run as the lookout service user")
        }
        // SQLite creates -wal and -shm in the directory next to the file.
        let parent = directory.isEmpty ? "." : directory
        if access(parent, W_OK | X_OK) != 0 {
            throw EventStoreError.permissionDenied(
                path: path, detail: "directory \(parent) must be writable for the -wal and -shm files (\(ErrnoError().reason))")
        }
    }

    /// Checks that an existing database can be read. Throws `permissionDenied` otherwise.
    static func checkReadable(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw EventStoreError.permissionDenied(
                path: path, detail: "no database here (start lookoutd first, or give the right path)")
        }
        guard access(path, R_OK) == 0 else {
            throw EventStoreError.permissionDenied(
                path: path, detail: "no read access (\(ErrnoError().reason)); add your login to group \(groupName)")
        }
    }

    /// Sets `mode` and the `lookout` group on an existing file (a backup copy); failures are ignored.
    static func restrictMode(of path: String, to mode: mode_t = defaultMode) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fchmod(descriptor, mode)
        giveToGroup(descriptor)
        close(descriptor)
    }

    /// Gives the open file to group `lookout` when it exists and we may; failure is fine.
    private static func giveToGroup(_ descriptor: Int32) {
        guard let group = getgrnam(groupName) else { return }
        _ = fchown(descriptor, uid_t.max, group.pointee.gr_gid)
    }
}
