import EventCore
import Vocabulary

/// Rule state is appended to the store's log with every batch (one row per batch, see
/// `EventStore.saveRuleState`); the log is folded into the per-key table when it has grown past
/// `ruleStateLogLimitBytes` or is older than `ruleStateLogMaxAgeMillis`, in its own transaction. Folding writes
/// each changed key once however many batches changed it; until then a restart replays the log, so nothing
/// committed depends on when folding happens.
extension IngestPipeline {
    /// Log size at which it is folded.
    static let ruleStateLogLimitBytes: Int64 = 64 << 20
    /// Longest time changes stay in the log (keeps start-up replay short on a quiet system).
    static let ruleStateLogMaxAgeMillis: EpochMillis = 60_000

    /// Counts bytes just committed to the log.
    func noteRuleStateLogged(bytes: Int64, at now: EpochMillis) {
        guard bytes > 0 else { return }
        if ruleStateLogBytes == 0 { ruleStateLogSince = now }
        ruleStateLogBytes += bytes
    }

    /// Folds the log when it is large or old enough.
    func compactRuleStateIfDue(now: EpochMillis) {
        guard ruleStateLogBytes > 0, ruleStateLogBytes >= Self.ruleStateLogLimitBytes
                || now - ruleStateLogSince >= Self.ruleStateLogMaxAgeMillis else { return }
        compactRuleState(now: now)
    }

    /// Folds the log now. On failure (a full disk) the log stays as it is and folding is retried at the next
    /// due time: nothing is lost, start-up replays it.
    public func compactRuleState(now: EpochMillis) {
        do {
            let started = ContinuousClock.now
            let keys = try store.compactRuleState()
            log.debug("rule state: folded \(ruleStateLogBytes) logged bytes into \(keys) keys in \(started.duration(to: .now))")
            ruleStateLogBytes = 0
        } catch {
            ruleStateLogSince = now
            log.warning("could not fold the rule-state log (kept, retried later): \(error)", key: "rule-state-log")
        }
    }
}
