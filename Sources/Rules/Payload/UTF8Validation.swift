/// Strict UTF-8 validation (RFC 3629): rejects overlong forms, encoded surrogates (U+D800–U+DFFF),
/// scalars above U+10FFFF, stray continuation bytes and truncated sequences.
enum UTF8Validation {
    /// The offset of the first byte of the first invalid sequence in `bytes`, or nil when all of
    /// `bytes` is valid UTF-8. Runs of ASCII are checked eight bytes at a time.
    static func firstInvalidOffset(in bytes: UnsafeRawBufferPointer) -> Int? {
        let count = bytes.count
        var index = 0
        while index < count {
            if index + 8 <= count,
               bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                index += 8
                continue
            }
            guard let length = sequenceLength(in: bytes, at: index) else { return index }
            index += length
        }
        return nil
    }

    /// The length (1–4) of the valid UTF-8 sequence starting at `index` (< `bytes.count`), or nil
    /// when the bytes there are not one.
    @inline(__always)
    static func sequenceLength(in bytes: UnsafeRawBufferPointer, at index: Int) -> Int? {
        let lead = bytes[index]
        if lead < 0x80 { return 1 }
        let length: Int
        // The allowed range of the second byte depends on the lead byte; the rest are 80…BF.
        let secondRange: ClosedRange<UInt8>
        switch lead {
        case 0xC2...0xDF: length = 2; secondRange = 0x80...0xBF
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3; secondRange = 0x80...0xBF
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4; secondRange = 0x80...0xBF
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: return nil
        }
        guard index + length <= bytes.count, secondRange.contains(bytes[index + 1]) else { return nil }
        var continuation = index + 2
        while continuation < index + length {
            guard bytes[continuation] & 0xC0 == 0x80 else { return nil }
            continuation += 1
        }
        return length
    }
}
