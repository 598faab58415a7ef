#if canImport(Glibc)
import Glibc
#endif

extension CommandRunner {
    /// `posix_spawn`s the program: stdin and stderr from the pipes, stdout to `/dev/null`, every descriptor from 3 up
    /// closed, a new process group, no blocked signals and every signal at its default (an ignored SIGPIPE is not
    /// inherited).
    func spawn(stdin: Int32, stderr: Int32) throws(ErrnoError) -> pid_t {
        let failure = "cannot start \(arguments[0])"
        guard let closeFrom = Self.addCloseFrom else { throw ErrnoError(errno: ENOSYS, operation: failure) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        let closing = closeFrom(&actions, 3)
        guard closing == 0 else { throw ErrnoError(errno: closing, operation: failure) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = Self.cStrings(arguments)
        let envp = Self.cStrings(environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, argv + [nil], envp + [nil])
        guard result == 0 else { throw ErrnoError(errno: result, operation: failure) }
        return pid
    }

    /// `strdup`ed copies, freed by the caller.
    private static func cStrings(_ strings: [String]) -> [UnsafeMutablePointer<CChar>?] {
        strings.map { strdup($0) }
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which the Swift `Glibc` module does not
    /// declare: looked up once by name.
    private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }  // RTLD_DEFAULT
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()
}
