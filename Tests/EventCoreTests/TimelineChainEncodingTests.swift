import Testing
import EventCore

/// The chain's format is a contract with every database already written: these hashes were computed outside Swift
/// (Python's `hmac` over the encoding `TimelineChain` documents), so a change of the encoding or of the hashing
/// shows here before a stored chain stops verifying.
@Suite struct TimelineChainEncodingTests {
    static let key = Array("chain-key".utf8)

    @Test func hashesMatchTheDocumentedEncoding() {
        let first = TimelineChain.Fields(id: 1, eventRowID: 42, at: 1_765_000_000_123, actor: "lookoutd", action: "raised",
                                         status: "open", note: "smoke in unit 3 煙")
        let firstHash = TimelineChain.hash(key: Self.key, previous: TimelineChain.genesis, first)
        #expect(firstHash == "0ad967f49d17aba2389c25b99de45d10e69282c1d4a1608d330aa335c14858bb")
        // A longer note (the message spans more blocks), chained to the first.
        let second = TimelineChain.Fields(id: 2, eventRowID: 42, at: 1_765_000_060_000, actor: "alice", action: "acknowledged",
                                          status: "acknowledged", note: "on my way " + String(repeating: "x", count: 100))
        #expect(TimelineChain.hash(key: Self.key, previous: firstHash, second)
                == "7f26eebccee1c182b7b5789c3632a800dd6039dade8ca8cd769f4217c45b741e")
    }

    @Test func unkeyedAndEmptyFieldsAreHashedAsDocumented() {
        let unkeyed = TimelineChain.Fields(id: 1, eventRowID: 42, at: 1_765_000_000_123, actor: "lookoutd", action: "raised",
                                           status: "open", note: "")
        #expect(TimelineChain.hash(key: [], previous: TimelineChain.genesis, unkeyed)
                == "45839df5104264442738fccf5e4d4e51a080f2b1a2d6619e0d86996c498ff018")
        // Negative numbers are their two's complement, big-endian; empty texts are a zero length.
        let empty = TimelineChain.Fields(id: -1, eventRowID: 0, at: -5, actor: "", action: "", status: "", note: "")
        #expect(TimelineChain.hash(key: Self.key, previous: TimelineChain.genesis, empty)
                == "216405395ae3a119b3ca0b75f1f168a836ef5db0face3816e0bd8129900e6aba")
    }
}
