/// SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104): the keyed hash of the timeline's chain.
///
/// Written here because the project takes no third-party packages and CryptoKit is not on Linux; checked against
/// the FIPS 180-4 examples and the RFC 4231 test vectors (Tests/VocabularyTests/SHA256Tests.swift). The one
/// cryptographic hash of the project: FNV-1a (`FNV1a`) stays for non-cryptographic uses.
public struct SHA256: Sendable, Equatable {
    /// Bytes in a digest.
    public static let digestByteCount = 32
    /// Bytes in a block (HMAC pads its key to this).
    static let blockByteCount = 64

    private static let roundConstants: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    private var state: [UInt32] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ]
    private var pending: [UInt8] = []
    private var totalBytes: UInt64 = 0

    /// A fresh hash.
    public init() {
        pending.reserveCapacity(Self.blockByteCount)
    }

    /// Feeds `bytes`. (Not generic: a generic entry point is not specialised across modules, and iterating a
    /// sequence through its witness table cost more than the hashing.)
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { update(buffer: $0) }
    }

    /// Feeds the bytes of `text` (UTF-8).
    public mutating func update(_ text: String) {
        var text = text
        text.withUTF8 { update(buffer: $0) }
    }

    /// Feeds `buffer`: whole blocks straight from it, the rest through `pending`.
    private mutating func update(buffer: UnsafeBufferPointer<UInt8>) {
        totalBytes &+= UInt64(buffer.count)
        var index = 0
        if !pending.isEmpty {
            let taken = min(Self.blockByteCount - pending.count, buffer.count)
            pending.append(contentsOf: buffer[0..<taken])
            index = taken
            guard pending.count == Self.blockByteCount else { return }
            pending.withUnsafeBufferPointer { Self.compress(&state, $0) }
            pending.removeAll(keepingCapacity: true)
        }
        while buffer.count - index >= Self.blockByteCount {
            Self.compress(&state, UnsafeBufferPointer(rebasing: buffer[index ..< index + Self.blockByteCount]))
            index += Self.blockByteCount
        }
        pending.append(contentsOf: buffer[index...])
    }

    /// The digest of everything fed (the hash is used up).
    public mutating func finish() -> [UInt8] {
        let bitLength = totalBytes &* 8
        pending.append(0x80)
        if pending.count > Self.blockByteCount - 8 {
            while pending.count < Self.blockByteCount { pending.append(0) }
            pending.withUnsafeBufferPointer { Self.compress(&state, $0) }
            pending.removeAll(keepingCapacity: true)
        }
        while pending.count < Self.blockByteCount - 8 { pending.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { pending.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        pending.withUnsafeBufferPointer { Self.compress(&state, $0) }
        pending.removeAll()
        var digest: [UInt8] = []
        digest.reserveCapacity(Self.digestByteCount)
        for word in state {
            digest.append(contentsOf: [UInt8(word >> 24), UInt8(truncatingIfNeeded: word >> 16),
                                       UInt8(truncatingIfNeeded: word >> 8), UInt8(truncatingIfNeeded: word)])
        }
        return digest
    }

    /// SHA-256 of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var hash = SHA256()
        hash.update(bytes)
        return hash.finish()
    }

    /// Processes one 64-byte block into `state`.
    private static func compress(_ state: inout [UInt32], _ block: UnsafeBufferPointer<UInt8>) {
        var (a, b, c, d, e, f, g, h) = (state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7])
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
            for t in 0..<16 {
                w[t] = UInt32(block[4 * t]) << 24 | UInt32(block[4 * t + 1]) << 16 | UInt32(block[4 * t + 2]) << 8
                    | UInt32(block[4 * t + 3])
            }
            for t in 16..<64 {
                let s0 = w[t - 15].rotatedRight(7) ^ w[t - 15].rotatedRight(18) ^ (w[t - 15] >> 3)
                let s1 = w[t - 2].rotatedRight(17) ^ w[t - 2].rotatedRight(19) ^ (w[t - 2] >> 10)
                w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
            }
            roundConstants.withUnsafeBufferPointer { k in
                for t in 0..<64 {
                    let s1 = e.rotatedRight(6) ^ e.rotatedRight(11) ^ e.rotatedRight(25)
                    let choice = (e & f) ^ (~e & g)
                    let temp1 = h &+ s1 &+ choice &+ k[t] &+ w[t]
                    let s0 = a.rotatedRight(2) ^ a.rotatedRight(13) ^ a.rotatedRight(22)
                    let majority = (a & b) ^ (a & c) ^ (b & c)
                    let temp2 = s0 &+ majority
                    (h, g, f, e, d, c, b, a) = (g, f, e, d &+ temp1, c, b, a, temp1 &+ temp2)
                }
            }
        }
        state[0] &+= a; state[1] &+= b; state[2] &+= c; state[3] &+= d
        state[4] &+= e; state[5] &+= f; state[6] &+= g; state[7] &+= h
    }
}

extension UInt32 {
    /// Rotation to the right by `count` bits (SHA-256's ROTR).
    fileprivate func rotatedRight(_ count: UInt32) -> UInt32 { (self >> count) | (self << (32 - count)) }
}
