import Testing
import Vocabulary

/// SHA-256 against FIPS 180-4's examples and HMAC-SHA-256 against RFC 4231's test cases: the timeline's chain is
/// only as good as these.
@Suite struct SHA256Tests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
    static func repeated(_ byte: UInt8, _ count: Int) -> [UInt8] { [UInt8](repeating: byte, count: count) }

    @Test func sha256MatchesTheFIPSExamples() {
        #expect(SHA256.hex(SHA256.hash(Self.bytes(""))) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(SHA256.hash(Self.bytes("abc"))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(SHA256.hash(Self.bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // Fed in pieces, the same digest.
        var pieces = SHA256()
        for chunk in ["abcdbcdecdefdefgefghfghighij", "hijkijkljklmklmnlmnomnopnopq"] { pieces.update(Self.bytes(chunk)) }
        #expect(SHA256.hex(pieces.finish()) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // One million 'a' (FIPS 180-4's third example), fed in pieces that do not line up with blocks.
        var million = SHA256()
        let piece = Self.repeated(0x61, 999)
        for _ in 0..<1001 { million.update(piece) }
        million.update(Self.repeated(0x61, 1))
        #expect(SHA256.hex(million.finish()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // Text is fed as its UTF-8.
        var text = SHA256()
        text.update("ab")
        text.update("c")
        #expect(SHA256.hex(text.finish()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    /// The bytes 0, 1, 2, … (mod 256), `count` of them.
    static func counting(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0) } }

    /// Every padding case: lengths either side of 55/56 (where the length no longer fits the last block) and of
    /// whole blocks, one and two blocks in; digests from Python's hashlib.
    @Test(arguments: [
        (0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (1, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
        (55, "463eb28e72f82e0a96c0a4cc53690c571281131f672aa229e0d45ae59b598b59"),
        (56, "da2ae4d6b36748f2a318f23e7ab1dfdf45acdc9d049bd80e59de82a60895f562"),
        (63, "29af2686fd53374a36b0846694cc342177e428d1647515f078784d69cdb9e488"),
        (64, "fdeab9acf3710362bd2658cdc9a29e8f9c757fcf9811603a8c447cd1d9151108"),
        (65, "4bfd2c8b6f1eec7a2afeb48b934ee4b2694182027e6d0fc075074f2fabb31781"),
        (119, "da18797ed7c3a777f0847f429724a2d8cd5138e6ed2895c3fa1a6d39d18f7ec6"),
        (120, "f52b23db1fbb6ded89ef42a23ce0c8922c45f25c50b568a93bf1c075420bbb7c"),
        (127, "92ca0fa6651ee2f97b884b7246a562fa71250fedefe5ebf270d31c546bfea976"),
        (128, "471fb943aa23c511f6f72f8d1652d9c880cfa392ad80503120547703e56a2be5"),
        (129, "5099c6a56203f9687f7d33f4bfdf576d31dc91f6b695ecea38b2770c87631135"),
        (1000, "a8af099bf2e878609558dbf69d8f88f4a31040a8cf84b549a0cfa912f12ffc3f"),
    ])
    func sha256AtEveryPaddingBoundary(count: Int, expected: String) {
        let message = Self.counting(count)
        #expect(SHA256.hex(SHA256.hash(message)) == expected)
        // The same bytes fed one at a time, and split at every point, give the same digest.
        var bytewise = SHA256()
        for byte in message { bytewise.update([byte]) }
        #expect(SHA256.hex(bytewise.finish()) == expected)
        for split in stride(from: 0, through: count, by: max(1, count / 16)) {
            var halves = SHA256()
            halves.update(Array(message[..<split]))
            halves.update(Array(message[split...]))
            #expect(halves.finishHex() == expected)
        }
    }

    /// FIPS 180-4's two-block example (896 bits, "abcdefghbcdefghi…").
    @Test func sha256MatchesTheTwoBlockExample() {
        let message = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
        #expect(SHA256.hex(SHA256.hash(Self.bytes(message))) == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        var text = SHA256()
        text.update(message)
        #expect(text.finishHex() == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    /// Big-endian numbers are fed as their bytes, most significant first.
    @Test func numbersAreFedBigEndian() {
        var numbers = SHA256()
        numbers.update(bigEndian: UInt64(0x0001_0203_0405_0607))
        numbers.update(bigEndian: UInt32(0x0809_0a0b))
        #expect(numbers.finishHex() == SHA256.hex(SHA256.hash(Self.counting(12))))
    }

    @Test(arguments: [
        // RFC 4231 test cases 1-4, 6, 7 (5 is a truncated output, checked below).
        (SHA256Tests.repeated(0x0b, 20), SHA256Tests.bytes("Hi There"),
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        (SHA256Tests.bytes("Jefe"), SHA256Tests.bytes("what do ya want for nothing?"),
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        (SHA256Tests.repeated(0xaa, 20), SHA256Tests.repeated(0xdd, 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        (Array(UInt8(1)...UInt8(25)), SHA256Tests.repeated(0xcd, 50),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        (SHA256Tests.repeated(0xaa, 131), SHA256Tests.bytes("Test Using Larger Than Block-Size Key - Hash Key First"),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        (SHA256Tests.repeated(0xaa, 131), SHA256Tests.bytes(
            "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."),
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ])
    func hmacMatchesRFC4231(key: [UInt8], message: [UInt8], expected: String) {
        #expect(SHA256.hex(SHA256.hmac(key: key, message: message)) == expected)
    }

    /// HMAC of messages at the padding boundaries (key "key") and under keys either side of a block (63, 64, 65
    /// bytes: a longer key is hashed first); MACs from Python's hmac. Fed whole, and in pieces through `start()`.
    @Test(arguments: [
        (Array("key".utf8), SHA256Tests.counting(55), "a0cc6cd8c96fcf9eb24fc23dad396f9028bce85f54ee8b4c54058bf82de88ef6"),
        (Array("key".utf8), SHA256Tests.counting(56), "0a28530d21f073b9ae8535bdba9435b4acddcd3644f0e1ecf5f25733b7306790"),
        (Array("key".utf8), SHA256Tests.counting(63), "5df2f5aa7ef42e6416755f279525bf1be5100c0d76225669f56a5195fea1b915"),
        (Array("key".utf8), SHA256Tests.counting(64), "afbb8a6074421cf0e6844d7da0822d9a3335d08a47cf5a26763e6694fb6864d5"),
        (Array("key".utf8), SHA256Tests.counting(65), "01e8c761de8fe13ccc55f5b52cfcba29945fd830ca5e26cef17372f0b00937a3"),
        (Array("key".utf8), SHA256Tests.counting(200), "de8a2873e6cae156a96c287d435c9bf0ce723d10da99ab93af57079f50e167c5"),
        (SHA256Tests.counting(63), Array("lookout timeline".utf8), "ee4e0eac0f7fdcfc24b8e11ed8cfc7390817e8609f273b69faa4de3546a76ab6"),
        (SHA256Tests.counting(64), Array("lookout timeline".utf8), "d0b8a542330191f0707767dbb6010bcb27cdf2c079251e0ed34bb33817c41a2f"),
        (SHA256Tests.counting(65), Array("lookout timeline".utf8), "b2c54c7511f5de7d4d8418aec2c0eaad6e9ec37a9c42e4bbbaacab7a36a1f78c"),
    ])
    func hmacAtBlockBoundaries(key: [UInt8], message: [UInt8], expected: String) {
        #expect(SHA256.hex(SHA256.hmac(key: key, message: message)) == expected)
        let hmac = HMACSHA256(key: key)
        var pieces = hmac.start()
        pieces.update(Array(message.prefix(7)))
        pieces.update(Array(message.dropFirst(7)))
        #expect(pieces.finishHex() == expected)
        // The prepared key is not used up by a message: the next one starts from it again.
        var again = hmac.start()
        again.update(message)
        #expect(SHA256.hex(again.finish()) == expected)
    }

    @Test func hmacTruncatedTestCase5() {
        let mac = SHA256.hmac(key: Self.repeated(0x0c, 20), message: Self.bytes("Test With Truncation"))
        #expect(SHA256.hex(Array(mac.prefix(16))) == "a3b6167473100ee06e0c796c2955552b")
    }

    @Test func anotherKeyGivesAnotherMac() {
        let message = Self.bytes("E-1001 acknowledged")
        #expect(SHA256.hmac(key: Self.bytes("k1"), message: message) != SHA256.hmac(key: Self.bytes("k2"), message: message))
        #expect(SHA256.hmac(key: [], message: message).count == SHA256.digestByteCount)
    }
}
