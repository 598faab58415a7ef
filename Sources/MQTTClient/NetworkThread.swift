import CMosquitto
import Vocabulary

/// libmosquitto's network thread of one handle (threaded mode: `mosquitto_loop_start`), started once however often
/// `connect` is called and stopped with a clean DISCONNECT. Shared by the publisher and the MQTT 5 client.
final class NetworkThread: @unchecked Sendable {
    private let lock = ThreadLock()
    private var running = false

    /// Starts the thread for `handle` unless it runs already.
    func start(_ handle: OpaquePointer) throws(MQTTError) {
        let rc: Int32 = lock.withLock {
            guard !running else { return Int32(MOSQ_ERR_SUCCESS.rawValue) }
            let rc = mosquitto_loop_start(handle)
            running = rc == Int32(MOSQ_ERR_SUCCESS.rawValue)
            return rc
        }
        try MosquittoHandle.check(rc, "start network thread")
    }

    /// Disconnects cleanly and stops the thread, if it runs.
    func stop(_ handle: OpaquePointer) {
        lock.withLock {
            guard running else { return }
            _ = mosquitto_disconnect(handle)
            _ = mosquitto_loop_stop(handle, false)
            running = false
        }
    }
}
