extension SHA256 {
    /// HMAC-SHA-256 (RFC 2104) of `message` under `key`: what keys the timeline's chain, so that a chain recomputed
    /// by someone without the key does not verify.
    public static func hmac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        HMACSHA256(key: key).authenticate(message)
    }

    /// Lower-case hexadecimal of `bytes` (how the chain's hashes are stored and shown).
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// HMAC-SHA-256 under one key, with the key's two padded blocks hashed once: the timeline appends an entry for
/// every change of every event, and those two blocks were about a quarter of each entry's hashing.
public struct HMACSHA256: Sendable, Equatable {
    /// SHA-256 after the key XOR ipad block.
    private let inner: SHA256
    /// SHA-256 after the key XOR opad block.
    private let outer: SHA256

    /// Prepares HMAC-SHA-256 under `key` (a key longer than a block is hashed first, as RFC 2104 says).
    public init(key: [UInt8]) {
        var blockKey = key.count > SHA256.blockByteCount ? SHA256.hash(key) : key
        blockKey += [UInt8](repeating: 0, count: SHA256.blockByteCount - blockKey.count)
        var inner = SHA256()
        inner.update(blockKey.map { $0 ^ 0x36 })
        var outer = SHA256()
        outer.update(blockKey.map { $0 ^ 0x5c })
        self.inner = inner
        self.outer = outer
    }

    /// The HMAC of `message`.
    public func authenticate(_ message: [UInt8]) -> [UInt8] {
        var inner = self.inner
        inner.update(message)
        var outer = self.outer
        outer.update(inner.finish())
        return outer.finish()
    }
}
