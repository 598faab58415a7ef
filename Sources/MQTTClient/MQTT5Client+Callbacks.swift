import CMosquitto
#if canImport(Glibc)
import Glibc
#endif

/// libmosquitto's MQTT 5 callbacks, on its network thread: closure literals that capture nothing; the state comes
/// through the userdata pointer.
extension MQTT5Client {
    /// The state behind a callback's userdata pointer.
    static func state(_ userdata: UnsafeMutableRawPointer?) -> MQTT5ClientState? {
        guard let userdata else { return nil }
        return Unmanaged<MQTT5ClientState>.fromOpaque(userdata).takeUnretainedValue()
    }

    /// Registers the callbacks on `handle`.
    static func installCallbacks(_ handle: OpaquePointer) {
        mosquitto_connect_v5_callback_set(handle) { mosq, userdata, rc, _, _ in
            guard let state = MQTT5Client.state(userdata) else { return }
            var sent: [Int32: String] = [:]
            if rc == 0 {
                // Subscribed again on every connect: a session that expired (or never persisted) has none.
                for subscription in state.subscriptions {
                    var messageID: Int32 = 0
                    if mosquitto_subscribe_v5(mosq, &messageID, subscription.filter, Int32(subscription.qos), 0, nil)
                        == Int32(MOSQ_ERR_SUCCESS.rawValue) {
                        sent[messageID] = subscription.filter
                    }
                }
            }
            state.didConnect(code: rc, subscriptionIDs: sent)
        }
        mosquitto_disconnect_v5_callback_set(handle) { _, userdata, rc, _ in
            MQTT5Client.state(userdata)?.didDisconnect(reason: MosquittoHandle.describe(rc))
        }
        mosquitto_subscribe_v5_callback_set(handle) { _, userdata, messageID, count, granted, _ in
            let codes: [Int32] = (0..<Int(max(0, count))).map { index in granted.map { Int32($0[index]) } ?? 128 }
            MQTT5Client.state(userdata)?.didSubscribe(messageID: messageID, codes: codes)
        }
        mosquitto_publish_v5_callback_set(handle) { _, userdata, messageID, reasonCode, _ in
            MQTT5Client.state(userdata)?.didPublish(messageID: messageID, reasonCode: reasonCode)
        }
        mosquitto_message_v5_callback_set(handle) { _, userdata, message, properties in
            guard let state = MQTT5Client.state(userdata), let message = message?.pointee else { return }
            // Topic, payload and properties are freed when this returns: copied here.
            let topic = message.topic.map { String(cString: $0) } ?? ""
            let payload = message.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: Int(message.payloadlen))) } ?? []
            state.didReceive(MQTT5Message(topic: topic, payload: payload, qos: Int(message.qos), retained: message.retain,
                                          properties: MQTT5Client.readProperties(properties)))
        }
    }

    /// The request/response properties of a received message.
    static func readProperties(_ list: OpaquePointer?) -> MQTT5Properties {
        var result = MQTT5Properties()
        var text: UnsafeMutablePointer<CChar>?
        if mosquitto_property_read_string(list, Int32(MQTT_PROP_RESPONSE_TOPIC.rawValue), &text, false) != nil, let text {
            result.responseTopic = String(cString: text)
            free(text)
        }
        var bytes: UnsafeMutableRawPointer?
        var length: UInt16 = 0
        if mosquitto_property_read_binary(list, Int32(MQTT_PROP_CORRELATION_DATA.rawValue), &bytes, &length, false) != nil {
            result.correlationData = bytes.map { Array(UnsafeRawBufferPointer(start: $0, count: Int(length))) } ?? []
            free(bytes)
        }
        var expiry: UInt32 = 0
        if mosquitto_property_read_int32(list, Int32(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL.rawValue), &expiry, false) != nil {
            result.messageExpirySeconds = expiry
        }
        return result
    }
}
