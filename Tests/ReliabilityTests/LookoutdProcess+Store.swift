import EventCore
import Foundation
import LookoutTestSupport

/// What the reliability tests read of a `LookoutdProcess`'s database.
extension LookoutdProcess {
    /// The rule whose events `alarmTally()` counts: the shipped `door_forced`, or the test rule `test_alarm`.
    var alarmRule: String { rulesAreShipped ? Alarm.shippedRule : Alarm.rule }

    /// The database, opened read-only as staff's CLI would.
    func store() throws -> EventStore { try EventStore(path: databasePath, readOnly: true) }

    /// Every event (all statuses).
    func events() throws -> [EventRecord] {
        var filter = EventFilter()
        filter.includeAll = true
        filter.limit = Int(Int32.max)
        return try store().events(filter)
    }

    /// The daemon's status row (`lookout status`).
    func statusRow() throws -> [String: String] { try store().daemonStatus().values }

}
