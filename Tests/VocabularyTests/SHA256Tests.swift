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
