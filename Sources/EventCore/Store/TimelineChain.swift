import Vocabulary

/// How each timeline entry is chained to the one before it: `hash = HMAC-SHA-256(key, prev_hash ‖ fields)`, the
/// fields in a canonical encoding (a version tag, then the row id, the event's row id and the time as 8 bytes
/// big-endian, then actor, action, status and note each as a 4-byte big-endian length and UTF-8). Lengths keep
/// fields from sliding into each other; the row id keeps entries from being swapped. Hashes are stored as hex.
public enum TimelineChain {
    /// The `prev_hash` of the first entry.
    public static let genesis = String(repeating: "0", count: 2 * SHA256.digestByteCount)
    /// Names the encoding, so that a later one cannot be mistaken for it.
    static let versionTag = Array("lookout-timeline-v1".utf8)

    /// One entry's fields as chained.
    public struct Fields: Sendable, Equatable {
        /// The timeline row id.
        public var id: Int64
        /// The event's row id.
        public var eventRowID: Int64
        /// When.
        public var at: EpochMillis
        /// Who.
        public var actor: String
        /// What.
        public var action: String
        /// The event's status after it.
        public var status: String
        /// The note.
        public var note: String

        /// Creates the fields.
        public init(id: Int64, eventRowID: Int64, at: EpochMillis, actor: String, action: String, status: String, note: String) {
            self.id = id
            self.eventRowID = eventRowID
            self.at = at
            self.actor = actor
            self.action = action
            self.status = status
            self.note = note
        }
    }

    /// The hash of the entry with `fields` that follows the entry whose hash is `previous` (hex), under `key`
    /// (empty: an unkeyed chain, which detects careless edits only). Public so that tests can forge a chain.
    public static func hash(key: [UInt8], previous: String, _ fields: Fields) -> String {
        hash(HMACSHA256(key: key), previous: previous, fields)
    }

    /// The hash of the entry with `fields` after `previous`, under a key prepared once (`StoreOptions.timelineHMAC`).
    /// The message is fed piece by piece from the fields' own storage: no message array, no copies of the texts.
    public static func hash(_ hmac: HMACSHA256, previous: String, _ fields: Fields) -> String {
        var mac = hmac.start()
        mac.update(versionTag)
        mac.update(previous)
        mac.update(bigEndian: UInt64(bitPattern: fields.id))
        mac.update(bigEndian: UInt64(bitPattern: fields.eventRowID))
        mac.update(bigEndian: UInt64(bitPattern: fields.at))
        feed(fields.actor, into: &mac)
        feed(fields.action, into: &mac)
        feed(fields.status, into: &mac)
        feed(fields.note, into: &mac)
        return mac.finishHex()
    }

    /// One text field: its UTF-8 length as 4 bytes big-endian, then its UTF-8.
    private static func feed(_ text: String, into mac: inout HMACSHA256.Authentication) {
        mac.update(bigEndian: UInt32(truncatingIfNeeded: text.utf8.count))
        mac.update(text)
    }
}
