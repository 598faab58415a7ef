import EventCore
import Vocabulary

/// The `devices` mirror (last seen, online, battery) is display data for `lookout devices`, not a rule effect:
/// it is coalesced in memory per device as messages are read (one look-up per message) and written in rounds,
/// at most one per status interval and at shutdown, in its own transactions, instead of one row per device in
/// every batch. A crash loses at most that interval of last-seen display; events, rule state, rejects and
/// fingerprints stay in the batch transaction. A message of a batch whose commit fails still counts as heard
/// from: it was received, and the broker redelivers it.
///
/// A round writes `deviceActivityRowsPerTick` devices per loop tick, so that a large fleet (100,000 devices
/// write in about half a second) never holds up the batches behind it for long: a call-button press waits at
/// most one chunk. The next round starts no sooner than 19 times the last round's writing time after it, so
/// the mirror costs at most 5 % of the loop's time however large the fleet.
extension IngestPipeline {
    /// Devices written per loop tick while a round is under way.
    static let deviceActivityRowsPerTick = 2_000

    /// Starts a round when the status interval has passed, and writes the round's next chunk.
    func flushDeviceActivityIfDue(now: EpochMillis) {
        if deviceActivityRound.isEmpty {
            guard duties.isDue(.deviceActivity, at: now), !pendingDeviceActivity.isEmpty else { return }
            // In key order: consecutive upserts land on the same B-tree pages.
            deviceActivityRound = pendingDeviceActivity.keys.sorted(by: >)
            deviceActivityRoundTime = .zero
        }
        let started = ContinuousClock.now
        let chunk = Array(deviceActivityRound.suffix(Self.deviceActivityRowsPerTick).reversed())
        guard writeDeviceActivity(of: chunk) else {
            // Kept in memory; the next round retries after an interval (a full disk, say).
            deviceActivityRound = []
            duties.restart(.deviceActivity, at: now)
            return
        }
        deviceActivityRound.removeLast(chunk.count)
        deviceActivityRoundTime += started.duration(to: .now)
        guard deviceActivityRound.isEmpty else { return }
        let took = deviceActivityRoundTime.components
        let tookMillis = took.seconds * 1000 + took.attoseconds / 1_000_000_000_000_000
        duties.postpone(.deviceActivity, until: now + max(duties.interval(of: .deviceActivity), 19 * tookMillis))
    }

    /// Writes all the coalesced device activity now (the daemon calls this at shutdown, on the loop thread or
    /// after the loop ended).
    public func flushDeviceActivity() {
        deviceActivityRound = []
        _ = writeDeviceActivity(of: pendingDeviceActivity.keys.sorted())
        flushTopicStates(now: clock())
    }

    /// Writes the pending activity of `devices` (those without any are skipped) in one transaction and forgets
    /// it; on failure keeps it for the next attempt, logs a warning and returns false.
    private func writeDeviceActivity(of devices: [String]) -> Bool {
        let activity = devices.compactMap { pendingDeviceActivity[$0]?.activity }
        guard !activity.isEmpty else { return true }
        do {
            try store.transaction { try store.recordDeviceActivity(activity) }
        } catch {
            log.warning("could not write device activity (last seen, online, battery): \(error)", key: "device-activity")
            return false
        }
        for device in devices { pendingDeviceActivity[device] = nil }
        return true
    }

}

/// One device's activity waiting for the devices mirror, with the batch of its last status message.
struct PendingDeviceActivity {
    /// What the mirror gets.
    var activity: DeviceActivity
    /// The batch in which the device last reported its online state (0: none pending).
    var statusBatch: UInt64 = 0

    /// Starts from `activity`.
    init(_ activity: DeviceActivity) { self.activity = activity }

    /// Notes one message of the device, read in batch `batch`: the latest time, the kind, a battery level when
    /// the message has one, and the online state. A status message says it; any other message means online,
    /// unless a status message of the same batch said otherwise (one batch is read at once: a status and a
    /// reading from it do not say which came last).
    mutating func note(kind: String, at now: EpochMillis, online reported: Bool?, batteryPercent battery: Double?, batch: UInt64) {
        if !kind.isEmpty { activity.kind = kind }
        activity.at = max(activity.at, now)
        if let reported {
            activity.online = reported
            statusBatch = batch
        } else if statusBatch != batch {
            activity.online = true
        }
        if let battery { activity.batteryPercent = battery }
    }

    /// Notes a rejected message of the device: counted and remembered with its reason, not as heard from.
    mutating func noteReject(kind: String, reason: String, at now: EpochMillis) {
        if !kind.isEmpty, activity.kind.isEmpty { activity.kind = kind }
        activity.rejected += 1
        if now >= activity.lastRejectAt {
            activity.lastRejectAt = now
            activity.lastRejectReason = reason
        }
    }
}
