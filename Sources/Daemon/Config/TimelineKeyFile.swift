import FoundationEssentials

/// The file that holds the timeline chain's key: raw bytes (the package writes 32 from /dev/urandom), read whole.
enum TimelineKeyFile {
    /// The name of the systemd credential (`LoadCredential=timeline-key:/etc/lookout/timeline.key`).
    static let credentialName = "timeline-key"
    /// Fewer bytes than this is not a key worth the name.
    static let minimumByteCount = 16

    /// Reads the key; the bytes are never put into a message.
    static func read(_ file: String) throws(ConfigValueError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ConfigValueError("cannot read the timeline key '\(file)' (missing, or not readable by this user)")
        }
        guard data.count >= minimumByteCount else {
            throw ConfigValueError("the timeline key '\(file)' has \(data.count) bytes; it needs at least \(minimumByteCount)"
                                   + " (e.g. head -c 32 /dev/urandom)")
        }
        return [UInt8](data)
    }
}
