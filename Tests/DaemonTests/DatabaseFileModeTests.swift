import Daemon
import EventCore
import Foundation
import LookoutTestSupport
import Testing

/// `[storage] file_mode`: the mode (and group `lookout`, when it exists) of a database the daemon creates.
@Suite struct DatabaseFileModeTests {
    /// Permission bits and group of `path`.
    static func modeAndGroup(_ path: String) throws -> (mode: UInt16, group: gid_t) {
        var info = stat()
        try #require(stat(path, &info) == 0, "stat \(path)")
        return (UInt16(info.st_mode & 0o7777), info.st_gid)
    }

    @Test(arguments: ["0640", "0660", "0600"])
    func newDatabaseGetsTheConfiguredMode(_ mode: String) throws {
        let directory = try TemporaryDirectory(prefix: "file-mode")
        let path = directory.file("events.db")
        let configuration = try DaemonConfiguration.parse("[storage]\ndatabase = \(path)\nfile_mode = \(mode)\n", path: "m.conf")
        // A restrictive umask must not change the result: the mode is set explicitly.
        let previous = umask(0o077)
        defer { umask(previous) }
        let store = try EventStore(path: configuration.databasePath, options: configuration.storeOptions)
        try store.raise(EventTrigger(rule: "r", eventKey: "k", level: .green, kind: "smoke", deviceID: "SD-1",
                                     title: "t", at: 1))
        let expected = try #require(UInt16(mode, radix: 8))
        let created = try Self.modeAndGroup(path)
        #expect(created.mode == expected)
        // SQLite gives the -wal and -shm files the database file's mode.
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            #expect(try Self.modeAndGroup(path + suffix).mode == expected, "\(suffix)")
        }
        if let group = getgrnam("lookout") {
            #expect(created.group == group.pointee.gr_gid)
        }
    }

    @Test func defaultModeIsGroupReadOnlyAndAnExistingFileKeepsItsMode() throws {
        let directory = try TemporaryDirectory(prefix: "file-mode")
        let path = directory.file("events.db")
        _ = try EventStore(path: path, options: DaemonConfiguration().storeOptions)
        #expect(try Self.modeAndGroup(path).mode == 0o640)
        // An existing database (made by tmpfiles.d, or changed by the operator) is not chmod-ed on open.
        #expect(chmod(path, 0o660) == 0)
        var configuration = DaemonConfiguration()
        configuration.databaseFileMode = 0o600
        _ = try EventStore(path: path, options: configuration.storeOptions)
        #expect(try Self.modeAndGroup(path).mode == 0o660)
    }
}
