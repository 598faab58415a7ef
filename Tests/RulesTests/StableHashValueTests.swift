@testable import Rules
import Testing

/// A compiled rule's fingerprint is stored with its state (rule-state rows) and decides whether state survives
/// a reload or a restart: the hash behind it must give the same values in every version. The expected value is
/// 64-bit FNV-1a of "rule a", 0xFF, "UTC", 0xFF, computed independently of the code.
@Suite struct StableHashValueTests {
    @Test func ruleFingerprintHashIsPinned() {
        var hash = StableHash()
        hash.combine("rule a")
        hash.combine("UTC")
        #expect(hash.value == 0x72c0_7cd0_9938_b426)
        #expect(StableHash().value == 0xcbf2_9ce4_8422_2325)
    }
}
