import Vocabulary

/// Storing states for `takeStateChanges()`, and the cap on tracked unregistered devices.
extension RuleEngine {
    // MARK: State bookkeeping

    /// Saves the state of correlation group `key` and marks it for the next `takeStateChanges()`.
    func storeGroup(_ state: RuleKeyState, _ index: Int, _ rule: CompiledRule, key: String) {
        slots[index].groups[key] = state.isEmpty ? nil : state
        dirty.insert(StateRef(rule: rule.name, key: key, isGroup: true))
    }

    /// Saves `device`'s state under rule `index` into `entry` (its entry, nil when it has none yet) and marks it
    /// for the next `takeStateChanges()` (an empty state is released there, once its deletion is taken).
    func storeDevice(_ state: RuleKeyState, _ index: Int, _ device: DeviceIndex, entry: RuleStateTable.EntryIndex?) {
        if entry == nil, state.isEmpty { return }
        let target = entry ?? states.entryCreating(rule: index, device: device)
        states[target] = state
        states.markDirty(target)
    }

    func trackUnregistered(_ deviceID: String) {
        unregisteredOrder.touch(deviceID)
        while unregisteredOrder.count > maxUnregisteredDevices, let evicted = unregisteredOrder.evictOldest() {
            engineCounters.evictedDevices += 1
            guard let device = states.device(evicted) else { continue }
            for index in states.removeDevice(device) {
                dirty.insert(StateRef(rule: ruleSet.rules[index].name, key: evicted, isGroup: false))
            }
            // The index goes to the next new device: no timer set may keep it.
            for index in slots.indices {
                slots[index].pending.remove(device)
                slots[index].activeDevices.remove(device)
                slots[index].held.remove(device)
            }
        }
    }
}
