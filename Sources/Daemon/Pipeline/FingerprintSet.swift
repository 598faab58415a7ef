/// A set of 64-bit message fingerprints: open addressing with linear probing in one flat array, Fibonacci
/// hashing of the value itself. `Set<UInt64>` hashes every value with SipHash and keeps its elements behind a
/// second level of indirection; the pipeline asks this set two or three times per message, so it does without.
///
/// 0 marks an empty bucket; the fingerprint 0 itself (one in 2⁶⁴) is kept in a flag of its own.
struct FingerprintSet {
    /// Buckets; a power of two in size, never more than half full.
    private var buckets: [UInt64]
    /// `64 - log2(buckets.count)`: the shift that takes a product's top bits as the bucket.
    private var shift: UInt64
    private var containsZero = false
    /// Number of fingerprints held.
    private(set) var count = 0

    /// An empty set with room for `capacity` fingerprints before it grows.
    init(minimumCapacity capacity: Int = 0) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        buckets = Array(repeating: 0, count: size)
        shift = UInt64(64 - size.trailingZeroBitCount)
    }

    /// The set of `fingerprints`.
    init<S: Sequence>(_ fingerprints: S) where S.Element == UInt64 {
        self.init(minimumCapacity: fingerprints.underestimatedCount)
        for fingerprint in fingerprints { insert(fingerprint) }
    }

    /// Whether the set is empty.
    var isEmpty: Bool { count == 0 }

    /// Whether `fingerprint` is in the set.
    func contains(_ fingerprint: UInt64) -> Bool {
        if fingerprint == 0 { return containsZero }
        return buckets.withUnsafeBufferPointer { buckets in
            let mask = buckets.count - 1
            var bucket = Self.bucket(of: fingerprint, shift: shift)
            while true {
                let held = buckets[bucket]
                if held == fingerprint { return true }
                if held == 0 { return false }
                bucket = (bucket + 1) & mask
            }
        }
    }

    /// Adds `fingerprint`; returns false when it was there already.
    @discardableResult
    mutating func insert(_ fingerprint: UInt64) -> Bool {
        if fingerprint == 0 {
            guard !containsZero else { return false }
            containsZero = true
            count += 1
            return true
        }
        if (count + 1) * 2 > buckets.count { grow() }
        let shift = shift
        let inserted = buckets.withUnsafeMutableBufferPointer { buckets in
            let mask = buckets.count - 1
            var bucket = Self.bucket(of: fingerprint, shift: shift)
            while true {
                let held = buckets[bucket]
                if held == fingerprint { return false }
                if held == 0 {
                    buckets[bucket] = fingerprint
                    return true
                }
                bucket = (bucket + 1) & mask
            }
        }
        if inserted { count += 1 }
        return inserted
    }

    /// Adds every fingerprint of `fingerprints`.
    mutating func formUnion<S: Sequence>(_ fingerprints: S) where S.Element == UInt64 {
        for fingerprint in fingerprints { insert(fingerprint) }
    }

    /// The bucket a fingerprint's probe starts at: the top bits of its product with 2⁶⁴/φ.
    @inline(__always)
    private static func bucket(of fingerprint: UInt64, shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (fingerprint &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// Doubles the buckets and re-inserts what they held (the flag for 0 stays as it is).
    private mutating func grow() {
        let old = buckets
        buckets = Array(repeating: 0, count: old.count * 2)
        shift -= 1
        count = containsZero ? 1 : 0
        for fingerprint in old where fingerprint != 0 { insert(fingerprint) }
    }
}
