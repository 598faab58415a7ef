import Daemon
import Testing

/// Fingerprints and topic hashes are stored (message batches, topic states): their values must not change
/// across versions, or an upgrade would take redeliveries for new messages. The expected values are 64-bit
/// FNV-1a computed independently of the code.
@Suite struct MessageFingerprintValueTests {
    @Test func fingerprintValuesArePinned() {
        let hashes = messageFingerprints(topic: "lookout/smoke/D-1", payload: Array(#"{"alarm":true}"#.utf8))
        #expect(hashes.topic == 0x28bd_e28d_f982_2e9b)  // FNV-1a of the topic and a NUL
        #expect(hashes.message == 0xe4d8_6fad_9a3e_8fd6)  // ... then the payload
        #expect(messageFingerprint(topic: "lookout/smoke/D-1", payload: Array(#"{"alarm":true}"#.utf8)) == hashes.message)
        #expect(messageFingerprint(topic: "", payload: []) == 0xaf63_bd4c_8601_b7df)  // FNV-1a of a single NUL
    }
}
