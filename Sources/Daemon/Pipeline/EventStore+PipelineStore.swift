import EventCore
import Rules

/// Maps the daemon's needs onto the event core's API.
extension EventStore: PipelineStore {
    func renotifyEvent(eventKey: String, at: Millis) throws {
        // Waiting for EventCore's renotify(eventKey:at:).
    }

    func rememberFingerprints(_ fingerprints: [UInt64], at: Millis) throws {
        // Waiting for EventCore's rememberMessages(_:at:).
    }

    func rememberedFingerprints(since: Millis) throws -> Set<UInt64> { [] }

    func forgetFingerprints(before: Millis) throws {}

    func recordRejects(_ rejects: [RejectedMessage]) throws {}

    func recordSightings(_ sightings: [DeviceSighting]) throws {}

    func mirrorRegistry(_ registry: DeviceRegistry) throws {}

    func escalateDue(now: Millis) throws -> [EventRecord] { [] }

    func activeAwayNotes(now: Millis) throws -> [(deviceID: String, until: Millis)] { [] }

    func writeDaemonStatus(_ values: [String: String], at: Millis) throws {}

    func openEventSummary() throws -> (byLevel: [EventLevel: Int], overdue: Int) {
        var filter = EventFilter()
        filter.limit = 1_000_000
        var byLevel: [EventLevel: Int] = [:]
        var overdue = 0
        for event in try events(filter) {
            byLevel[event.level, default: 0] += 1
            if event.overdue { overdue += 1 }
        }
        return (byLevel, overdue)
    }

    func pendingHandoff(limit: Int, topicPattern: String) throws -> [HandoffMessage] { [] }

    func markHandoffSent(ids: [Int64]) throws {}
}
