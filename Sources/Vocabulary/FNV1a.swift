/// 64-bit FNV-1a: the one stable hash of Lookout (unlike `Hasher`, the same in every process and every run).
///
/// Its values are stored: message fingerprints and topic hashes in the event core, rule fingerprints in
/// rule-state rows. Changing the offset, the prime or the byte order breaks de-duplication across an upgrade.
public struct FNV1a: Sendable, Equatable {
    /// FNV-1a's 64-bit offset basis: the hash of nothing.
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    /// FNV-1a's 64-bit prime.
    public static let prime: UInt64 = 0x0000_0100_0000_01b3

    /// The hash of the bytes folded in so far.
    @inlinable public var value: UInt64 { state }
    @usableFromInline var state: UInt64

    /// Starts from the offset basis (or from a hash already taken, to continue it).
    @inlinable public init(value: UInt64 = FNV1a.offsetBasis) { state = value }

    /// Folds in one byte.
    @inlinable @inline(__always)
    public mutating func combine(_ byte: UInt8) {
        state = (state ^ UInt64(byte)) &* Self.prime
    }

    /// Folds in bytes in place (a payload's buffer, a string's UTF-8 storage): the per-message path.
    @inlinable
    public mutating func combine(_ bytes: UnsafeBufferPointer<UInt8>) {
        var hash = state
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* Self.prime }
        state = hash
    }

    /// Folds in a string's UTF-8 bytes, without a separator.
    @inlinable
    public mutating func combine(_ text: String) {
        // The bytes in place when they are (always, for native strings): a mutable copy for `withUTF8` costs
        // reference counts.
        if text.utf8.withContiguousStorageIfAvailable({ combine($0) }) != nil { return }
        var text = text
        text.withUTF8 { combine($0) }
    }

    /// Folds in a string's UTF-8 bytes and then 0xFF, a byte UTF-8 never contains, so that the fields
    /// ("ab", "c") and ("a", "bc") hash differently.
    @inlinable
    public mutating func combine(field text: String) {
        combine(text)
        combine(0xFF)
    }

    /// The hash of `bytes`.
    @inlinable
    public static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash = FNV1a()
        hash.combine(bytes)
        return hash.value
    }
}
