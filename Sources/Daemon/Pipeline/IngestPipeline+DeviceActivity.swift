import EventCore

/// The `devices` mirror (last seen, online, battery) is display data for `lookout devices`, not a rule effect:
/// it is coalesced in memory per device and written in rounds, at most one per status interval and at shutdown,
/// in its own transactions, instead of one row per device in every batch. A crash loses at most that interval of
/// last-seen display; events, rule state, rejects and fingerprints stay in the batch transaction.
///
/// A round writes `deviceActivityRowsPerTick` devices per loop tick, so that a large fleet (100,000 devices
/// write in about half a second) never holds up the batches behind it for long: a call-button press waits at
/// most one chunk. The next round starts no sooner than 19 times the last round's writing time after it, so
/// the mirror costs at most 5 % of the loop's time however large the fleet.
extension IngestPipeline {
    /// Devices written per loop tick while a round is under way.
    static let deviceActivityRowsPerTick = 2_000

    /// Starts a round when the status interval has passed, and writes the round's next chunk.
    func flushDeviceActivityIfDue(now: Millis) {
        if deviceActivityRound.isEmpty {
            guard now >= nextDeviceActivityFlush, !pendingDeviceActivity.isEmpty else { return }
            // In key order: consecutive upserts land on the same B-tree pages.
            deviceActivityRound = pendingDeviceActivity.keys.sorted(by: >)
            deviceActivityRoundTime = .zero
        }
        let started = ContinuousClock.now
        let chunk = Array(deviceActivityRound.suffix(Self.deviceActivityRowsPerTick).reversed())
        guard writeDeviceActivity(of: chunk) else {
            // Kept in memory; the next round retries after an interval (a full disk, say).
            deviceActivityRound = []
            nextDeviceActivityFlush = now + Millis(configuration.statusIntervalSeconds * 1000)
            return
        }
        deviceActivityRound.removeLast(chunk.count)
        deviceActivityRoundTime += started.duration(to: .now)
        guard deviceActivityRound.isEmpty else { return }
        let took = deviceActivityRoundTime.components
        let tookMillis = took.seconds * 1000 + took.attoseconds / 1_000_000_000_000_000
        nextDeviceActivityFlush = now + max(Millis(configuration.statusIntervalSeconds * 1000), 19 * tookMillis)
    }

    /// Writes all the coalesced device activity now (the daemon calls this at shutdown, on the loop thread or
    /// after the loop ended).
    public func flushDeviceActivity() {
        deviceActivityRound = []
        _ = writeDeviceActivity(of: pendingDeviceActivity.keys.sorted())
    }

    /// Writes the pending activity of `devices` (those without any are skipped) in one transaction and forgets
    /// it; on failure keeps it for the next attempt, logs a warning and returns false.
    private func writeDeviceActivity(of devices: [String]) -> Bool {
        let activity = devices.compactMap { pendingDeviceActivity[$0] }
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

    /// Adds the activity of a committed batch to what is waiting to be written.
    /// One look-up per device (absorbing an activity into itself changes nothing), none when nothing is pending.
    func coalesceDeviceActivity(_ activity: [String: DeviceActivity]) {
        guard !pendingDeviceActivity.isEmpty else {
            pendingDeviceActivity = activity
            return
        }
        for (device, newer) in activity {
            pendingDeviceActivity[device, default: newer].absorb(newer)
        }
    }
}

extension DeviceActivity {
    /// Notes one message of the device at `now`: a status message's online state (any other message means online
    /// unless a status said otherwise) and a battery level when the message has one.
    mutating func note(at now: Millis, online reported: Bool?, batteryPercent battery: Double?) {
        at = now
        if let reported { online = reported } else if online == nil { online = true }
        if let battery { batteryPercent = battery }
    }

    /// Folds in a later activity of the same device, as the store's upsert would: the later time, and the
    /// later kind, online state and battery where the later message said them.
    mutating func absorb(_ newer: DeviceActivity) {
        if !newer.kind.isEmpty { kind = newer.kind }
        at = max(at, newer.at)
        online = newer.online ?? online
        batteryPercent = newer.batteryPercent ?? batteryPercent
    }
}
