extension SHA256 {
    /// HMAC-SHA-256 (RFC 2104) of `message` under `key`: what keys the timeline's chain, so that a chain recomputed
    /// by someone without the key does not verify.
    public static func hmac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var blockKey = key.count > blockByteCount ? hash(key) : key
        blockKey += [UInt8](repeating: 0, count: blockByteCount - blockKey.count)
        var inner = SHA256()
        inner.update(blockKey.map { $0 ^ 0x36 })
        inner.update(message)
        var outer = SHA256()
        outer.update(blockKey.map { $0 ^ 0x5c })
        outer.update(inner.finish())
        return outer.finish()
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
