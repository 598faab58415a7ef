import Vocabulary

/// What `tick` fires: pending `for`, re-notifications and `clear after` of active keys.
extension RuleEngine {
    // MARK: Timers

    func firePending(_ index: Int, _ rule: CompiledRule, _ now: EpochMillis, _ actions: inout [RuleAction]) {
        guard let hold = rule.conditions.holdForMillis, !slots[index].pending.isEmpty, now >= slots[index].nextPendingDue else { return }
        // Only the due ones are sorted (fired in the order of their ids, as ever); the next due time is noted.
        var due: [DeviceIndex] = []
        var gone: [DeviceIndex] = []
        var next = EpochMillis.max
        for device in slots[index].pending {
            guard let entry = states.entry(rule: index, device: device), let since = states[entry].pendingSince else {
                gone.append(device)
                continue
            }
            // On the arrival clock: a late report waits out the debounce after it arrived (older saved state: none).
            let dueAt = states[entry].pendingDue ?? since.plus(hold)
            if now >= dueAt { due.append(device) } else { next = min(next, dueAt) }
        }
        for device in gone { slots[index].pending.remove(device) }
        slots[index].nextPendingDue = next
        for device in due.count > 1 ? sortedByID(due) : due {
            guard let entry = states.entry(rule: index, device: device), var action = states[entry].pendingRaise else {
                slots[index].pending.remove(device)
                continue
            }
            var state = states[entry]
            action.at = now
            // An alarm that held on a device raised as flapping: the event becomes the rule's own (level, title).
            if state.active, state.raisedFlapping { action.upgradeReason = Self.heldAfterFlapping }
            raise(index, rule, action, &state, key: states.devices[Int(device)].id, device: device, &actions)
            storeDevice(state, index, device, entry: entry)
        }
    }

    func tickActive(_ index: Int, _ rule: CompiledRule, _ now: EpochMillis, _ actions: inout [RuleAction]) {
        guard rule.handling.renotifyMillis != nil || rule.handling.clearAfterMillis != nil else { return }
        for device in sortedByID(slots[index].activeDevices) {
            guard let entry = states.entry(rule: index, device: device), states[entry].active else {
                slots[index].activeDevices.remove(device)
                continue
            }
            var state = states[entry]
            guard followUpDue(index, rule, &state, key: states.devices[Int(device)].id, device: device, now, &actions) else { continue }
            storeDevice(state, index, device, entry: entry)
        }
        for key in slots[index].activeGroups.sorted() {
            guard var state = slots[index].groups[key], state.active else {
                slots[index].activeGroups.remove(key)
                continue
            }
            guard followUpDue(index, rule, &state, key: key, device: nil, now, &actions) else { continue }
            storeGroup(state, index, rule, key: key)
        }
    }

    /// Emits the `clear after` or re-notification of an active key when due; returns whether it did.
    private func followUpDue(_ index: Int, _ rule: CompiledRule, _ state: inout RuleKeyState, key: String, device: DeviceIndex?,
                             _ now: EpochMillis, _ actions: inout [RuleAction]) -> Bool {
        if let after = rule.handling.clearAfterMillis, now >= state.lastRaise.plus(after) {
            actions.append(followUp(.clear, of: state, rule: rule, key: key, at: now))
            slots[index].counters.cleared += 1
            deactivate(index, &state, key: key, device: device)
        } else if let every = rule.handling.renotifyMillis, now >= state.lastNotify.plus(every) {
            actions.append(followUp(.renotify, of: state, rule: rule, key: key, at: now))
            state.lastNotify = now
        } else {
            return false
        }
        return true
    }

    /// Devices in the order of their ids (timers fire in the same order as ever).
    func sortedByID(_ devices: some Collection<DeviceIndex>) -> [DeviceIndex] {
        devices.sorted { states.devices[Int($0)].id < states.devices[Int($1)].id }
    }
}
