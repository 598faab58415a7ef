import Testing
import Vocabulary

/// FNV-1a values are stored (message fingerprints, topic hashes, rule fingerprints in rule-state rows) and decide
/// de-duplication and whether rule state survives a restart: they must be the same in every version. The expected
/// values are 64-bit FNV-1a computed independently of the code.
@Suite struct FNV1aTests {
    @Test func ruleFingerprintHashIsPinned() {
        // A rule's fingerprint hashes its fields each followed by 0xFF (formerly Rules' `StableHash`).
        var hash = FNV1a()
        hash.combine(field: "rule a")
        hash.combine(field: "UTC")
        #expect(hash.value == 0x72c0_7cd0_9938_b426)
        #expect(FNV1a().value == 0xcbf2_9ce4_8422_2325)
    }

    @Test func publishedTestVectors() {
        for (text, expected) in [("", 0xcbf2_9ce4_8422_2325), ("a", 0xaf63_dc4c_8601_ec8c), ("foobar", 0x8594_4171_f739_67e8)] as [(String, UInt64)] {
            var hash = FNV1a()
            hash.combine(text)
            #expect(hash.value == expected)
            var bytes = FNV1a()
            for byte in text.utf8 { bytes.combine(byte) }
            #expect(bytes.value == expected)
            #expect(Array(text.utf8).withUnsafeBufferPointer { FNV1a.hash($0) } == expected)
        }
    }
}
