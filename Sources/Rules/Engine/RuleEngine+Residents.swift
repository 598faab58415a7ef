import Vocabulary

/// Residents: away notes by resident, and the per-resident timers of rules `absent … by resident` across a
/// registry change (see docs/rules.md, "Absence").
extension RuleEngine {
    /// Rebuilds `awayByResident` from the notes and the registry (a few notes: one look-up each).
    func refreshAwayByResident() {
        awayByResident.removeAll(keepingCapacity: true)
        for (subject, until) in away {
            let key = registry[subject]?.residentKey ?? subject
            awayByResident[key] = max(awayByResident[key] ?? .min, until)
        }
    }

    /// Until when `resident.away` holds for device `deviceID` (`record`: its registry record); nil: no note.
    func awayUntil(_ deviceID: String, _ record: DeviceRecord?) -> EpochMillis? {
        away.isEmpty ? nil : awayByResident[record?.residentKey ?? deviceID]
    }

    /// After a registry change, the timers of rules `by resident` follow the devices to their new resident key (a
    /// resident id given, changed or removed): the new key gets the latest sighting under the old ones, so new
    /// ids raise no false absence, and a raised state moves with its event (which the person's next action then
    /// clears) unless a device still keys on the old one. Only devices with a resident id, old or new, are read.
    func carryResidentStates(from previous: DeviceRegistry) {
        let rules = ruleSet.rules.indices.filter { ruleSet.rules[$0].conditions.perResident && !slots[$0].groups.isEmpty }
        guard !rules.isEmpty else { return }
        var moves: [String: Set<String>] = [:]
        var residentIDs: Set<String> = []
        for (id, record) in registry.devices where !record.residentID.isEmpty {
            residentIDs.insert(record.residentID)
            let before = previous[id]?.residentKey ?? id
            if before != record.residentID { moves[record.residentID, default: []].insert(before) }
        }
        for (id, record) in previous.devices where !record.residentID.isEmpty {
            if let now = registry[id], now.residentID.isEmpty { moves[id, default: []].insert(record.residentID) }
        }
        guard !moves.isEmpty else { return }
        /// Whether a device of the new registry keys on `key`.
        func inUse(_ key: String) -> Bool { residentIDs.contains(key) || registry[key].map { $0.residentID.isEmpty } ?? false }
        for index in rules {
            let rule = ruleSet.rules[index]
            for (key, sources) in moves {
                var state = slots[index].groups[key] ?? RuleKeyState()
                var changed = false
                for source in sources.sorted() {
                    guard let old = slots[index].groups[source] else { continue }
                    let seen = max(state.lastSeen ?? .min, old.lastSeen ?? .min)
                    if old.active, !state.active, !inUse(source) {
                        state = old
                        slots[index].activeGroups.remove(source)
                        if rule.handling.renotifyMillis != nil || rule.handling.clearAfterMillis != nil { slots[index].activeGroups.insert(key) }
                    }
                    if seen != .min { state.lastSeen = seen }
                    if !inUse(source) { storeGroup(RuleKeyState(), index, rule, key: source) }
                    changed = true
                }
                if changed { storeGroup(state, index, rule, key: key) }
            }
        }
    }
}
