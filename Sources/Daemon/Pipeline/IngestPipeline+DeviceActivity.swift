import EventCore

/// The `devices` mirror (last seen, online, battery) is display data for `lookout devices`, not a rule effect:
/// it is coalesced in memory per device and written at most once per status interval and at shutdown, in its
/// own transaction, instead of one row per device in every batch. A crash loses at most that interval of
/// last-seen display; events, rule state, rejects and fingerprints stay in the batch transaction.
extension IngestPipeline {
    /// Writes the coalesced device activity when the status interval has passed since the last write, and no
    /// sooner than 19 times the last write's duration after it: with a large fleet under load (100,000 devices
    /// writing ~0.5 s) the mirror then costs at most 5 % of the loop's time, and is written less often.
    func flushDeviceActivityIfDue(now: Millis) {
        guard now >= nextDeviceActivityFlush else { return }
        let started = ContinuousClock.now
        flushDeviceActivity()
        let took = started.duration(to: .now)
        let tookMillis = took.components.seconds * 1000 + took.components.attoseconds / 1_000_000_000_000_000
        nextDeviceActivityFlush = now + max(Millis(configuration.statusIntervalSeconds * 1000), 19 * tookMillis)
    }

    /// Writes the coalesced device activity now (the daemon calls this at shutdown, on the loop thread or after
    /// the loop ended). On failure the activity is kept for the next attempt and a warning logged.
    public func flushDeviceActivity() {
        guard !pendingDeviceActivity.isEmpty else { return }
        // In key order: consecutive upserts land on the same B-tree pages.
        do {
            try store.transaction { try store.recordDeviceActivity(pendingDeviceActivity.values.sorted { $0.deviceID < $1.deviceID }) }
            pendingDeviceActivity.removeAll(keepingCapacity: true)
        } catch {
            log.warning("could not write device activity (last seen, online, battery): \(error)", key: "device-activity")
        }
    }

    /// Adds the activity of a committed batch to what is waiting to be written.
    func coalesceDeviceActivity(_ activity: [String: DeviceActivity]) {
        for (device, newer) in activity {
            if var known = pendingDeviceActivity[device] {
                known.absorb(newer)
                pendingDeviceActivity[device] = known
            } else {
                pendingDeviceActivity[device] = newer
            }
        }
    }
}

extension DeviceActivity {
    /// Folds in a later activity of the same device, as the store's upsert would: the later time, and the
    /// later kind, online state and battery where the later message said them.
    mutating func absorb(_ newer: DeviceActivity) {
        if !newer.kind.isEmpty { kind = newer.kind }
        at = max(at, newer.at)
        online = newer.online ?? online
        batteryPercent = newer.batteryPercent ?? batteryPercent
    }
}
