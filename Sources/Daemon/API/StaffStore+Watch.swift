import EventCore
import Vocabulary

/// The change feed as both doors push it to a watch (the local socket and the broker): the same look, so that what a
/// watch may see does not depend on the door.
extension StaffStore {
    /// Up to `limit` changes after `sequence`, without payloads and without residents' personal data (lists and
    /// watches never carry them: `ResidentPrivacy`), with the teams of each event whose change asks them to report
    /// in. Nil (logged) when the store cannot be read.
    func watchBatch(after sequence: Int64, limit: Int) -> (changes: [EventChange], teams: [String: [EventTeam]])? {
        look { store in
            // Without the payloads: watch never prints them, and a device's payload may be large enough to
            // push a line past `APILine.maximumBytes`.
            let changes = try store.changes(after: sequence, limit: limit).map { change in
                var change = change
                change.event.payload = ""
                // Residents' personal data leaves the daemon only in `show` (ResidentPrivacy).
                change.event = change.event.withoutResidentData()
                return change
            }
            var teams: [String: [EventTeam]] = [:]
            for change in changes where EventChange.reportInActions.contains(change.action) {
                teams[change.event.id] = try store.teams(of: change.event.id)
            }
            return (changes, teams)
        }
    }

    /// The maintenance silences in force at `now`; nil (logged) when the store cannot be read.
    func silencesInForce(now: EpochMillis) -> [Silence]? {
        look { try $0.listSilences(now: now) }
    }
}

/// Which silences a watch was last told of. A watch line carries the silences in force only when they changed (and
/// on the first line), so `lookout watch` can keep a banner up while any is in force; looked at once a second at most.
struct WatchSilences: Sendable {
    /// The ids last told, nil before the first line.
    private var told: [Int64]?
    private var lastLook: EpochMillis = 0

    /// The silences in force when they differ from what the watch was last told (then remembered as told), else nil.
    mutating func changed(in store: StaffStore, now: EpochMillis) -> [Silence]? {
        guard told == nil || now - lastLook >= 1_000 else { return nil }
        lastLook = now
        guard let silences = store.silencesInForce(now: now) else { return nil }
        let ids = silences.map(\.id)
        guard ids != told else { return nil }
        told = ids
        return silences
    }
}
