import EventCore
import Rules
import Vocabulary

/// Retained messages: the broker delivers a topic's retained message again on every subscribe, so after every
/// restart and reconnect. It is the device's last state, not a new occurrence: lookoutd processes it only when
/// it has not processed that message already, so it raises when no event exists for that state yet (a first
/// start, an alarm that began while lookoutd was down) and never reopens what staff resolved.
///
/// "Processed already" is told from the last message lookoutd processed on the topic (its fingerprint and
/// device time): the retained message is known when it is that message, or when its `ts` is not newer than
/// that message's. Topics lookoutd has no record of fall back to the fingerprints of the de-duplication window.
/// The records are kept in memory as messages are processed (one dictionary write per message) and written
/// with the status interval and at shutdown; a crash loses at most that interval, which the fingerprints of the
/// committed batches cover.
extension IngestPipeline {
    /// Whether the retained message (topic hash, fingerprint, plausible device time) was processed before.
    func isKnownRetained(topicHash: UInt64, fingerprint: UInt64, deviceTime: EpochMillis?) throws -> Bool {
        let last: (fingerprint: UInt64, occurredAt: EpochMillis?)
        if let pending = pendingTopicStates[topicHash] {
            last = (pending.fingerprint, pending.occurredAt)
        } else if let saved = try store.topicState(topicHash: topicHash) {
            last = (saved.fingerprint, saved.occurredAt)
        } else {
            return fingerprints.contains(fingerprint)
        }
        if last.fingerprint == fingerprint { return true }
        if let deviceTime, let lastTime = last.occurredAt, deviceTime <= lastTime { return true }
        return false
    }

    /// Notes the last processed message of a topic.
    func noteTopicState(topicHash: UInt64, fingerprint: UInt64, deviceTime: EpochMillis?) {
        pendingTopicStates[topicHash] = PendingTopicState(fingerprint: fingerprint, occurredAt: deviceTime)
    }

    /// Writes the topic states once per status interval.
    func flushTopicStatesIfDue(now: EpochMillis) {
        guard duties.take(.topicStates, at: now) else { return }
        flushTopicStates(now: now)
    }

    /// Writes the pending topic states in one transaction; on failure keeps them and logs a warning.
    func flushTopicStates(now: EpochMillis) {
        guard !pendingTopicStates.isEmpty else { return }
        // In row order (the hash is the rowid, a signed integer): consecutive upserts land on the same B-tree pages.
        let states = pendingTopicStates.map { hash, state in
            TopicState(topicHash: hash, fingerprint: state.fingerprint, occurredAt: state.occurredAt, at: now)
        }.sorted { Int64(bitPattern: $0.topicHash) < Int64(bitPattern: $1.topicHash) }
        do {
            try store.saveTopicStates(states)
        } catch {
            log.warning("could not write the last message of each topic (retained messages): \(error)", key: "topic-states")
            return
        }
        pendingTopicStates.removeAll(keepingCapacity: true)
    }
}

/// The last processed message of one topic, not yet written.
struct PendingTopicState {
    /// Its fingerprint.
    var fingerprint: UInt64
    /// Its plausible device time.
    var occurredAt: EpochMillis?
}
