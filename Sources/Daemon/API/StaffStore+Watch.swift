import EventCore

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
}
