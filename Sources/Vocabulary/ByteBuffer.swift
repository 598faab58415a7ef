/// A growable run of bytes written in place: the one buffer of the writers on the per-message path (the rule
/// state encoder, the change feed's snapshot JSON).
///
/// An integer is one store and a run of bytes one copy. Appending to an `[UInt8]` cost a uniqueness check per
/// byte and a generic `append(contentsOf:)` call (about 75 instructions) per run; the array is made once, by `bytes`.
public struct ByteBuffer: ~Copyable {
    @usableFromInline var start: UnsafeMutableRawPointer
    @usableFromInline var capacity: Int
    @usableFromInline var used = 0

    /// An empty buffer with room for `capacity` bytes before it grows.
    public init(capacity: Int) {
        self.capacity = max(capacity, 16)
        start = .allocate(byteCount: self.capacity, alignment: 8)
    }

    deinit { start.deallocate() }

    /// How many bytes were written.
    @inlinable public var count: Int { used }

    /// The bytes written (set: replaces them, for callers that edit what they wrote).
    public var bytes: [UInt8] {
        get {
            [UInt8](unsafeUninitializedCapacity: used) { out, initialized in
                if used > 0 { out.baseAddress!.initialize(from: start.assumingMemoryBound(to: UInt8.self), count: used) }
                initialized = used
            }
        }
        set {
            used = 0
            reserve(newValue.count)
            newValue.withUnsafeBytes { if !$0.isEmpty { start.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
            used = newValue.count
        }
    }

    /// Appends one byte.
    @inlinable @inline(__always)
    public mutating func append(_ byte: UInt8) {
        reserve(1)
        start.storeBytes(of: byte, toByteOffset: used, as: UInt8.self)
        used += 1
    }

    /// Appends `value` little-endian, in one store.
    @inlinable @inline(__always)
    public mutating func appendLittleEndian(_ value: UInt64) {
        reserve(8)
        start.storeBytes(of: value.littleEndian, toByteOffset: used, as: UInt64.self)
        used += 8
    }

    /// Appends a run of bytes, in one copy.
    @inlinable
    public mutating func append(_ run: UnsafeBufferPointer<UInt8>) {
        guard let source = run.baseAddress, run.count > 0 else { return }
        reserve(run.count)
        (start + used).copyMemory(from: source, byteCount: run.count)
        used += run.count
    }

    /// Appends a string's UTF-8 bytes, read in place (a native string's always are).
    @inlinable
    public mutating func append(utf8 text: String) {
        if text.utf8.withContiguousStorageIfAvailable({ append($0) }) != nil { return }
        for unit in text.utf8 { append(unit) }
    }

    /// Makes room for `extra` more bytes.
    @inlinable @inline(__always)
    mutating func reserve(_ extra: Int) {
        if used + extra > capacity { grow(to: used + extra) }
    }

    @usableFromInline
    mutating func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newStart = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 8)
        newStart.copyMemory(from: start, byteCount: used)
        start.deallocate()
        (start, capacity) = (newStart, newCapacity)
    }
}
