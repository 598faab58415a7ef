import CMosquitto
#if canImport(Glibc)
import Glibc
#endif
import Vocabulary

/// Process-wide libmosquitto setup and the handle configuration shared by `MQTTConnection` and `MQTTPublisher`.
enum MosquittoHandle {
    /// `mosquitto_lib_init` runs once per process, on first use (Swift initialises statics exactly once).
    private static let libraryInitialised: Int32 = mosquitto_lib_init()

    /// Creates a handle for `options` with credentials, TLS and the protocol version applied. The caller owns the
    /// handle (`mosquitto_destroy`) and sets its callback object with `mosquitto_user_data_set`.
    static func make(options: MQTTOptions) throws(MQTTError) -> OpaquePointer {
        _ = libraryInitialised
        guard !options.clientID.isEmpty || options.cleanSession else {
            throw MQTTError(code: -1, message: "a persistent session (cleanSession false) needs a client id")
        }
        guard let handle = mosquitto_new(options.clientID.isEmpty ? nil : options.clientID, options.cleanSession, nil) else {
            throw MQTTError(code: Int32(MOSQ_ERR_NOMEM.rawValue), message: "mosquitto_new failed")
        }
        do {
            let version = options.protocolVersion == .v5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311
            try check(mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, version), "set protocol version")
            // Acknowledgements are small and latency matters more than packing: no Nagle delay.
            try check(mosquitto_int_option(handle, MOSQ_OPT_TCP_NODELAY, 1), "set TCP_NODELAY")
            if options.username != nil || options.password != nil {
                try check(mosquitto_username_pw_set(handle, options.username, options.password), "set username/password")
            }
            if let tls = options.tls {
                try check(mosquitto_tls_set(handle, tls.caFile, nil, tls.certFile, tls.keyFile, nil),
                          "TLS settings (CA \(tls.caFile), cert \(tls.certFile ?? "none"), key \(tls.keyFile ?? "none"))")
                if tls.insecureSkipHostnameCheck {
                    try check(mosquitto_tls_insecure_set(handle, true), "TLS insecure mode")
                }
            }
        } catch {
            mosquitto_destroy(handle)
            throw error
        }
        return handle
    }

    /// Throws an `MQTTError` naming `action` when `code` is not `MOSQ_ERR_SUCCESS`.
    static func check(_ code: Int32, _ action: String) throws(MQTTError) {
        guard code != Int32(MOSQ_ERR_SUCCESS.rawValue) else { return }
        throw MQTTError(code: code, message: "\(action): \(describe(code))")
    }

    /// libmosquitto's text for an error code (`MOSQ_ERR_ERRNO` includes the system error).
    static func describe(_ code: Int32) -> String {
        if code == Int32(MOSQ_ERR_ERRNO.rawValue) {
            return ErrnoError(operation: "system error").description
        }
        return String(cString: mosquitto_strerror(code))
    }

    /// The error of a connection attempt that got no successful CONNACK: the broker refused it (`refusal`, its reason
    /// in words) or nothing came within `timeout` seconds (`disconnectReason`: what libmosquitto said meanwhile).
    /// One wording for the device session's publisher and the MQTT 5 client alike.
    static func connectFailure(host: String, port: Int, refusal: String?, timeout: Double, disconnectReason: String?) -> MQTTError {
        if let refusal {
            return MQTTError(code: Int32(MOSQ_ERR_CONN_REFUSED.rawValue), message: "\(host):\(port) refused the connection: \(refusal)")
        }
        return MQTTError(code: Int32(MOSQ_ERR_NO_CONN.rawValue),
                         message: "no CONNACK from \(host):\(port) within \(timeout) s" + (disconnectReason.map { " (\($0))" } ?? ""))
    }

    /// libmosquitto's text for a CONNACK return code (e.g. "Connection Refused: not authorised.").
    static func describeConnack(_ code: Int32) -> String {
        String(cString: mosquitto_connack_string(code))
    }
}
