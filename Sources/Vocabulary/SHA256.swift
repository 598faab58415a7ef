/// SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104): the keyed hash of the timeline's chain.
///
/// Written here because the project takes no third-party packages and CryptoKit is not on Linux; checked against
/// the FIPS 180-4 examples, digests of every padding boundary and the RFC 4231 test vectors
/// (Tests/VocabularyTests/SHA256Tests.swift). The one cryptographic hash of the project: FNV-1a (`FNV1a`) stays for
/// non-cryptographic uses.
///
/// A value type without arrays: the state and the partial block are stored inline, so copying a prepared hash
/// (what `HMACSHA256` does for every message) allocates nothing, and a block is compressed from raw memory with
/// no bounds checks (the timeline hashes about seven blocks per entry, on the ingest path).
public struct SHA256: Sendable, Equatable {
    /// Bytes in a digest.
    public static let digestByteCount = 32
    /// Bytes in a block (HMAC pads its key to this).
    static let blockByteCount = 64

    /// The eight working words (FIPS 180-4's H0…H7), also the digest once finished.
    struct Words: Sendable, Equatable {
        var h0: UInt32 = 0x6a09e667, h1: UInt32 = 0xbb67ae85, h2: UInt32 = 0x3c6ef372, h3: UInt32 = 0xa54ff53a
        var h4: UInt32 = 0x510e527f, h5: UInt32 = 0x9b05688c, h6: UInt32 = 0x1f83d9ab, h7: UInt32 = 0x5be0cd19
    }

    /// 64 bytes held inline: the bytes fed since the last whole block.
    struct Block: Sendable, Equatable {
        var b0: UInt64 = 0, b1: UInt64 = 0, b2: UInt64 = 0, b3: UInt64 = 0
        var b4: UInt64 = 0, b5: UInt64 = 0, b6: UInt64 = 0, b7: UInt64 = 0
    }

    private var state = Words()
    private var pending = Block()
    private var pendingCount = 0
    private var totalBytes: UInt64 = 0

    /// A fresh hash.
    public init() {}

    /// Feeds `bytes`. (Not generic: a generic entry point is not specialised across modules, and iterating a
    /// sequence through its witness table cost more than the hashing.)
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update(raw: $0) }
    }

    /// Feeds the bytes of `text` (UTF-8), from its own storage when it is contiguous.
    public mutating func update(_ text: String) {
        if let done = text.utf8.withContiguousStorageIfAvailable({ update(raw: UnsafeRawBufferPointer($0)) }) { return done }
        var text = text
        text.withUTF8 { update(raw: UnsafeRawBufferPointer($0)) }
    }

    /// Feeds `value` as 8 bytes, big-endian.
    public mutating func update(bigEndian value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { update(raw: $0) }
    }

    /// Feeds `value` as 4 bytes, big-endian.
    public mutating func update(bigEndian value: UInt32) {
        withUnsafeBytes(of: value.bigEndian) { update(raw: $0) }
    }

    /// Feeds `bytes`: whole blocks straight from them, the rest through `pending`.
    public mutating func update(raw bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        totalBytes &+= UInt64(bytes.count)
        var index = 0
        if pendingCount > 0 {
            let taken = min(Self.blockByteCount - pendingCount, bytes.count)
            let offset = pendingCount
            withUnsafeMutableBytes(of: &pending) { ($0.baseAddress! + offset).copyMemory(from: base, byteCount: taken) }
            pendingCount += taken
            index = taken
            guard pendingCount == Self.blockByteCount else { return }
            compressPending()
        }
        while bytes.count - index >= Self.blockByteCount {
            Self.compress(&state, base + index)
            index += Self.blockByteCount
        }
        let rest = bytes.count - index
        if rest > 0 {
            withUnsafeMutableBytes(of: &pending) { $0.baseAddress!.copyMemory(from: base + index, byteCount: rest) }
            pendingCount = rest
        }
    }

    /// Compresses the full pending block and empties it.
    private mutating func compressPending() {
        let block = pending
        withUnsafeBytes(of: block) { Self.compress(&state, $0.baseAddress!) }
        pendingCount = 0
    }

    /// The digest of everything fed, as words (the hash is used up).
    mutating func finishWords() -> Words {
        let bitLength = totalBytes &* 8
        let count = pendingCount
        withUnsafeMutableBytes(of: &pending) { block in
            block[count] = 0x80
            for index in (count + 1)..<Self.blockByteCount { block[index] = 0 }
        }
        if count + 1 > Self.blockByteCount - 8 {
            compressPending()
            pending = Block()
        }
        withUnsafeMutableBytes(of: &pending) {
            $0.storeBytes(of: bitLength.bigEndian, toByteOffset: Self.blockByteCount - 8, as: UInt64.self)
        }
        compressPending()
        return state
    }

    /// The digest of everything fed (the hash is used up).
    public mutating func finish() -> [UInt8] {
        let words = finishWords()
        return [UInt8](unsafeUninitializedCapacity: Self.digestByteCount) { buffer, count in
            Self.store(words, into: UnsafeMutableRawBufferPointer(buffer))
            count = Self.digestByteCount
        }
    }

    /// The digest of everything fed as lower-case hexadecimal, written straight into the string (the hash is used up).
    public mutating func finishHex() -> String {
        let words = finishWords()
        return withUnsafeTemporaryAllocation(byteCount: Self.digestByteCount, alignment: 8) { digest in
            Self.store(words, into: digest)
            return Self.hex(UnsafeRawBufferPointer(digest))
        }
    }

    /// SHA-256 of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var hash = SHA256()
        hash.update(bytes)
        return hash.finish()
    }

    /// Writes `words` big-endian into the first 32 bytes of `out`.
    static func store(_ words: Words, into out: UnsafeMutableRawBufferPointer) {
        out.storeBytes(of: words.h0.bigEndian, toByteOffset: 0, as: UInt32.self)
        out.storeBytes(of: words.h1.bigEndian, toByteOffset: 4, as: UInt32.self)
        out.storeBytes(of: words.h2.bigEndian, toByteOffset: 8, as: UInt32.self)
        out.storeBytes(of: words.h3.bigEndian, toByteOffset: 12, as: UInt32.self)
        out.storeBytes(of: words.h4.bigEndian, toByteOffset: 16, as: UInt32.self)
        out.storeBytes(of: words.h5.bigEndian, toByteOffset: 20, as: UInt32.self)
        out.storeBytes(of: words.h6.bigEndian, toByteOffset: 24, as: UInt32.self)
        out.storeBytes(of: words.h7.bigEndian, toByteOffset: 28, as: UInt32.self)
    }

    /// Lower-case hexadecimal of `bytes`, written straight into the string's storage.
    static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            for (index, byte) in bytes.enumerated() {
                out[2 * index] = hexDigit(byte >> 4)
                out[2 * index + 1] = hexDigit(byte & 0x0f)
            }
            return bytes.count * 2
        }
    }

    /// The ASCII of one hexadecimal digit (0…15).
    @inline(__always)
    static func hexDigit(_ value: UInt8) -> UInt8 { value < 10 ? 0x30 + value : 0x57 + value }
}
