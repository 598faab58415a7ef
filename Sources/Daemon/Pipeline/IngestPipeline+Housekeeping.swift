import EventCore
import Vocabulary

/// Keeping the database from growing without bound: the change feed, and the outbox when nothing publishes it.
/// Message fingerprints are pruned as their memory rotates (`rotateFingerprints`); published outbox rows are
/// deleted by the hand-off as soon as the broker has them. Events, timelines and silences are the record: never pruned.
extension IngestPipeline {
    /// How often housekeeping runs.
    static let housekeepingIntervalMillis: EpochMillis = 10 * 60_000

    /// Runs `housekeep(now:)` when due (at the first tick, then every `housekeepingIntervalMillis`).
    func housekeepIfDue(now: EpochMillis) {
        guard duties.take(.housekeeping, at: now) else { return }
        do {
            let pruned = try housekeep(now: now)
            if pruned.outbox > 0 || pruned.changes > 0 {
                log.debug("housekeeping: pruned \(pruned.changes) change-feed entries and \(pruned.outbox) unpublished outbox rows")
            }
            let withheld = try removeStaleResidentData(now: now)
            if withheld > 0 {
                log.info("housekeeping: removed residents' personal data from \(withheld) event(s) inactive for more than \(configuration.residentDataRetentionSeconds / 86_400) days")
            }
        } catch {
            log.warning("housekeeping failed (retried in \(Self.housekeepingIntervalMillis / 60_000) min): \(error)",
                        key: "housekeeping")
        }
    }

    /// With the hand-off disabled, drops every outbox row (nothing will publish them; when the hand-off is
    /// enabled again it starts from new changes rather than flooding the broker with old ones). Then drops
    /// change-feed entries older than `[storage] change_retention` that no outbox row still needs.
    @discardableResult
    func housekeep(now: EpochMillis) throws -> (changes: Int, outbox: Int) {
        let outbox = configuration.handoffEnabled ? 0 : try store.pruneOutbox(before: now + 1)
        let retention = configuration.changeRetentionSeconds * 1000
        let changes = try store.pruneChanges(before: now - retention)
        return (changes, outbox)
    }

    /// Removes residents' personal data from events resolved or closed and inactive for longer than
    /// `[storage] resident_data_retention`, at most 20 transactions of 500 events per run (a backlog after an
    /// upgrade is worked off over several runs without holding up intake). Returns how many events it changed.
    @discardableResult
    func removeStaleResidentData(now: EpochMillis) throws -> Int {
        let cutoff = now - configuration.residentDataRetentionSeconds * 1000
        var total = 0
        for _ in 0..<20 {
            let changed = try store.removeResidentData(inactiveBefore: cutoff, limit: 500)
            total += changed
            if changed < 500 { break }
        }
        return total
    }
}
