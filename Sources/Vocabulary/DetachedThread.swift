#if canImport(Glibc)
import Glibc
#endif

/// Starting a detached thread (pthread): what `Thread.detachNewThread` and `Thread { }.start()` did, without
/// linking all of Foundation (see docs/packaging.md, "Sizes"). For work that blocks (a service's loop, a client
/// connection, a notifier command) and so must not sit on a Swift concurrency thread.
public enum DetachedThread {
    /// Runs `body` on a new detached thread named `name` (shown by `ps -L`, `top -H`; cut to 15 bytes). Throws when
    /// the system refuses a thread (`EAGAIN`: too many).
    public static func start(name: String? = nil, _ body: @escaping @Sendable () -> Void) throws(ErrnoError) {
        let result = create(ThreadStart(name: name, body: body))
        guard result == 0 else {
            throw ErrnoError(errno: result, operation: "cannot start a thread" + (name.map { " for \($0)" } ?? ""))
        }
    }

    /// `pthread_create` with the detached attribute; the start is released by the thread, or here on failure.
    private static func create(_ start: ThreadStart) -> Int32 {
        let box = Unmanaged.passRetained(start).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let result = pthread_create(&thread, &attributes, detachedThreadEntry, box)
        if result != 0 { Unmanaged<ThreadStart>.fromOpaque(box).release() }
        return result
    }

    /// glibc's `pthread_setname_np`, which the Swift `Glibc` module does not declare: looked up once by name.
    fileprivate static let setName: (@convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32)? = {
        guard let symbol = dlsym(nil, "pthread_setname_np") else { return nil }  // RTLD_DEFAULT
        return unsafeBitCast(symbol, to: (@convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32).self)
    }()
}

/// What a new thread runs, handed over through `pthread_create`'s argument.
private final class ThreadStart {
    let name: String?
    let body: @Sendable () -> Void
    init(name: String?, body: @escaping @Sendable () -> Void) {
        self.name = name
        self.body = body
    }
}

/// The new thread's entry point: names the thread, runs the body.
private func detachedThreadEntry(_ raw: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let start = Unmanaged<ThreadStart>.fromOpaque(raw!).takeRetainedValue()
    if let name = start.name {
        var bytes = Array(name.utf8.prefix(15))
        while !bytes.isEmpty, String(validating: bytes, as: UTF8.self) == nil { bytes.removeLast() }
        _ = DetachedThread.setName?(pthread_self(), String(decoding: bytes, as: UTF8.self))
    }
    start.body()
    return nil
}
