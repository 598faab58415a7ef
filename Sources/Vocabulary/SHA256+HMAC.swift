extension SHA256 {
    /// HMAC-SHA-256 (RFC 2104) of `message` under `key`: what keys the timeline's chain, so that a chain recomputed
    /// by someone without the key does not verify.
    public static func hmac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        HMACSHA256(key: key).authenticate(message)
    }

    /// Lower-case hexadecimal of `bytes` (how the chain's hashes are stored and shown).
    public static func hex(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { hex($0) }
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
        var authentication = start()
        authentication.update(message)
        return authentication.finish()
    }

    /// Starts the HMAC of a message fed in pieces (the timeline hashes an entry's fields from their own storage,
    /// without building the message).
    public func start() -> Authentication { Authentication(inner: inner, outer: outer) }

    /// One message being authenticated: the pieces fed in order make the message.
    public struct Authentication: Sendable {
        /// SHA-256 over the key XOR ipad block, then the message so far.
        private var inner: SHA256
        /// SHA-256 over the key XOR opad block.
        private let outer: SHA256

        fileprivate init(inner: SHA256, outer: SHA256) {
            self.inner = inner
            self.outer = outer
        }

        /// Feeds `bytes`.
        public mutating func update(_ bytes: [UInt8]) { inner.update(bytes) }
        /// Feeds the UTF-8 of `text`.
        public mutating func update(_ text: String) { inner.update(text) }
        /// Feeds `value` as 8 bytes, big-endian.
        public mutating func update(bigEndian value: UInt64) { inner.update(bigEndian: value) }
        /// Feeds `value` as 4 bytes, big-endian.
        public mutating func update(bigEndian value: UInt32) { inner.update(bigEndian: value) }

        /// The HMAC of the message fed (used up).
        public mutating func finish() -> [UInt8] {
            var outer = outerHash()
            return outer.finish()
        }

        /// The HMAC of the message fed, as lower-case hexadecimal (used up).
        public mutating func finishHex() -> String {
            var outer = outerHash()
            return outer.finishHex()
        }

        /// The outer hash fed with the inner digest, straight from its words.
        private mutating func outerHash() -> SHA256 {
            let innerDigest = inner.finishWords()
            var outer = self.outer
            withUnsafeTemporaryAllocation(byteCount: SHA256.digestByteCount, alignment: 8) { digest in
                SHA256.store(innerDigest, into: digest)
                outer.update(raw: UnsafeRawBufferPointer(digest))
            }
            return outer
        }
    }
}
