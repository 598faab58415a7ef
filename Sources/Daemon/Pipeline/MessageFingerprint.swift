import MQTTClient
import Vocabulary

/// 64-bit FNV-1a over the topic, a NUL separator and the payload: how redeliveries are recognised.
/// Runs over the bytes in place (the topic's UTF-8 storage and the payload's buffer): once per message.
public func messageFingerprint(topic: String, payload: [UInt8]) -> UInt64 {
    messageFingerprints(topic: topic, payload: payload).message
}

/// The message fingerprint and, on the way, the topic's own (the hash after the topic and its NUL separator:
/// the fingerprint of the topic with an empty payload), which keys the last message of each topic.
public func messageFingerprints(topic: String, payload: [UInt8]) -> (topic: UInt64, message: UInt64) {
    var hash = FNV1a()
    hash.combine(topic)
    hash.combine(0)
    let topicHash = hash.value
    payload.withUnsafeBufferPointer { hash.combine($0) }
    return (topicHash, hash.value)
}

/// The key a message without device time is remembered by: its fingerprint mixed with the broker's packet
/// identifier, which a redelivery repeats and a new message does not get while the first is unacknowledged.
/// At QoS 0 (identifier 0) it is the fingerprint itself.
@inline(__always)
public func deliveryKey(_ fingerprint: UInt64, packetID: Int) -> UInt64 {
    fingerprint ^ (UInt64(truncatingIfNeeded: packetID) &* 0x9E37_79B9_7F4A_7C15)
}

/// Fingerprints of committed messages, kept for at least `window` milliseconds in two generations:
/// lookups check both, and every `window` the older generation is dropped. The fingerprints of the newest
/// `keptBatches` batches are kept however old (their acknowledgements may not have left when the process
/// died, so the broker redelivers them whenever we come back); the store keeps the same batches.
struct FingerprintMemory {
    /// Newest batches remembered regardless of age, here and in the store.
    static let keptBatches = 16
    /// How long a fingerprint is remembered at least.
    let window: Int64
    private var current = FingerprintSet()
    private var previous = FingerprintSet()
    /// The newest batches' fingerprints, oldest first (at most `keptBatches`).
    private var newestBatches: [[UInt64]] = []
    private var generationStart: Int64

    /// Starts empty at `now`.
    init(window: Int64, now: Int64) {
        self.window = window
        self.generationStart = now
    }

    /// Whether the fingerprint was remembered.
    func contains(_ fingerprint: UInt64) -> Bool {
        current.contains(fingerprint) || previous.contains(fingerprint)
    }

    /// Remembers fingerprints (loaded from the store at start: then the set is taken as it is).
    mutating func insert(_ fingerprints: Set<UInt64>) {
        if current.isEmpty {
            current = FingerprintSet(fingerprints)
        } else {
            current.formUnion(fingerprints)
        }
    }

    /// Remembers the fingerprints of a batch after it committed.
    mutating func insertBatch(_ fingerprints: [UInt64]) {
        guard !fingerprints.isEmpty else { return }
        current.formUnion(fingerprints)
        newestBatches.append(fingerprints)
        if newestBatches.count > Self.keptBatches { newestBatches.removeFirst() }
    }

    /// Drops the older generation when a window has passed. Returns the time before which the database may
    /// forget fingerprints too, or nil when nothing rotated.
    mutating func rotate(now: Int64) -> Int64? {
        guard window > 0, now - generationStart >= window else { return nil }
        previous = current
        current = FingerprintSet(newestBatches.joined())
        let forgetBefore = generationStart
        generationStart = now
        return forgetBefore
    }

    /// Number of fingerprints held.
    var count: Int { current.count + previous.count }
}
