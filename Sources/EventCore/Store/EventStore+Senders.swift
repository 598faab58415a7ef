import Vocabulary

/// The devices behind a folded event: alarms from devices that are not in the registry are folded into one
/// event per kind (and community), which keeps the first device ids that sent to it, capped.
extension EventStore {
    /// Notes that `deviceID` sent to the event `eventID` at `at`, unless the event already keeps `cap` senders
    /// (or this one). Returns how many senders the event keeps now.
    @discardableResult
    public func noteSender(eventID: String, deviceID: String, at: EpochMillis, cap: Int) throws -> Int {
        guard let rowID = StoredEvent.rowID(of: eventID) else { return 0 }
        return try transaction {
            try connection.cached("""
                INSERT OR IGNORE INTO event_senders (event_id, device_id, position, first_at)
                SELECT ?1, ?2, kept, ?3 FROM (SELECT count(*) AS kept FROM event_senders WHERE event_id = ?1) WHERE kept < ?4
                """).execute([rowID, deviceID, at, max(cap, 0)])
            return Int(try connection.cached("SELECT count(*) FROM event_senders WHERE event_id = ?").queryFirst([rowID]) { $0.int64(0) } ?? 0)
        }
    }

    /// The senders kept for event `eventID`, in the order they first sent.
    public func senders(of eventID: String) throws -> [(deviceID: String, firstAt: EpochMillis)] {
        guard let rowID = StoredEvent.rowID(of: eventID) else { return [] }
        return try connection.cached("SELECT device_id, first_at FROM event_senders WHERE event_id = ? ORDER BY position")
            .query([rowID]) { (deviceID: $0.text(0), firstAt: $0.int64(1)) }
    }
}
