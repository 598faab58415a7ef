import CMosquitto

/// The libmosquitto callbacks. They run on `run`'s thread, inside `mosquitto_loop_read`, and only record
/// what happened in `pass`.
extension MQTTConnection {
    /// The connection behind a callback's userdata pointer (set with `Unmanaged.passUnretained(self)`).
    private static func owner(_ userdata: UnsafeMutableRawPointer?) -> MQTTConnection? {
        guard let userdata else { return nil }
        return Unmanaged<MQTTConnection>.fromOpaque(userdata).takeUnretainedValue()
    }

    /// Registers the callbacks (closure literals capturing nothing; the connection comes via userdata).
    func installCallbacks() {
        mosquitto_connect_with_flags_callback_set(handle) { _, userdata, rc, flags in
            MQTTConnection.owner(userdata)?.didReceiveConnack(code: rc, sessionPresent: flags & 1 != 0)
        }
        mosquitto_subscribe_callback_set(handle) { _, userdata, mid, count, granted in
            let grantedQoS = (0..<Int(max(0, count))).map { granted?[$0] ?? 0x80 }
            MQTTConnection.owner(userdata)?.didReceiveSuback(messageID: mid, grantedQoS: grantedQoS)
        }
        mosquitto_message_callback_set(handle) { _, userdata, message in
            guard let message = message?.pointee, let owner = MQTTConnection.owner(userdata) else { return }
            // The broker's resend of unacknowledged messages follows CONNACK on a resumed session and precedes SUBACK.
            let mayBeRedelivery = owner.pass.sessionPresent && !owner.pass.subscribed
            owner.pass.batch.append(MQTTConnection.copy(message, mayBeRedelivery: mayBeRedelivery))
        }
        mosquitto_disconnect_callback_set(handle) { _, userdata, rc in
            guard let owner = MQTTConnection.owner(userdata) else { return }
            if owner.pass.failure == nil {
                owner.pass.failure = rc == 0 ? "disconnected" : owner.describeWithLibraryLog(rc)
            }
        }
        captureLibraryLog(true)
    }

    /// Turns the capture of libmosquitto's log lines on or off. Only errors and warnings are kept, to explain a
    /// failure (e.g. which TLS check failed); but while a log callback is set, libmosquitto formats a debug
    /// line (`vsnprintf` into a fresh allocation, under a mutex) for every packet it reads or writes, two per
    /// delivered message. `run` therefore captures while it connects and subscribes, and turns it off once the
    /// session is up (a session that is lost later is described by its result code).
    func captureLibraryLog(_ enabled: Bool) {
        guard enabled else {
            mosquitto_log_callback_set(handle, nil)
            return
        }
        mosquitto_log_callback_set(handle) { _, userdata, level, text in
            guard level & Int32(MOSQ_LOG_ERR | MOSQ_LOG_WARNING) != 0, let text, let owner = MQTTConnection.owner(userdata) else { return }
            owner.recordLibraryLog(String(cString: text))
        }
    }

    /// libmosquitto's text for `code`, with its last error log line when there is one.
    func describeWithLibraryLog(_ code: Int32) -> String {
        let text = MosquittoHandle.describe(code)
        guard let log = takeLibraryLog(), !log.isEmpty else { return text }
        return "\(text) (\(log))"
    }

    /// Copies topic and payload out of libmosquitto's message (freed after the callback returns).
    private static func copy(_ message: mosquitto_message, mayBeRedelivery: Bool) -> MQTTMessage {
        let topic = message.topic.map { String(cString: $0) } ?? ""
        var payload: [UInt8] = []
        if let bytes = message.payload, message.payloadlen > 0 {
            payload = Array(UnsafeRawBufferPointer(start: bytes, count: Int(message.payloadlen)))
        }
        return MQTTMessage(topic: topic, payload: payload, qos: Int(message.qos), retained: message.retain,
                           mayBeRedelivery: mayBeRedelivery, packetID: Int(message.mid))
    }

    private func didReceiveConnack(code: Int32, sessionPresent: Bool) {
        guard code == 0 else {
            pass.failure = MosquittoHandle.describeConnack(code)
            return
        }
        pass.connackAccepted = true
        pass.sessionPresent = sessionPresent
        pass.pendingSubscriptions = [:]
        for subscription in subscriptions {
            var messageID: Int32 = 0
            let rc = mosquitto_subscribe(handle, &messageID, subscription.filter, Int32(subscription.qos))
            if rc == Int32(MOSQ_ERR_SUCCESS.rawValue) {
                pass.pendingSubscriptions[messageID] = subscription.filter
            } else if pass.failure == nil {
                pass.failure = "cannot subscribe to \(subscription.filter): \(MosquittoHandle.describe(rc))"
            }
        }
        pass.subscribed = pass.pendingSubscriptions.isEmpty
    }

    private func didReceiveSuback(messageID: Int32, grantedQoS: [Int32]) {
        guard let filter = pass.pendingSubscriptions.removeValue(forKey: messageID) else { return }
        if grantedQoS.contains(where: { $0 < 0 || $0 > 2 }), pass.failure == nil {
            pass.failure = "the broker refused the subscription to \(filter) (not authorised or invalid filter)"
        }
        if pass.pendingSubscriptions.isEmpty { pass.subscribed = true }
    }
}
