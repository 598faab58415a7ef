import Vocabulary

/// `correlate`: rules over groups of devices (n of them within a window).
extension RuleEngine {
    // MARK: Correlation rules

    /// The group a message's device belongs to under a correlation rule: its key and the value of each `by`
    /// field; nil when a field is missing. Label and fields by label (`groupDescription`) only for a raise.
    private func group(_ correlate: CompiledRule.Correlate, _ context: inout EvaluationContext) -> (key: String, values: [String])? {
        var key = ""
        var values: [String] = []
        values.reserveCapacity(correlate.by.count)
        for field in correlate.by {
            let value = field.expr.evaluate(in: &context)
            guard value != .missing else {
                context.missingFields += 1
                return nil
            }
            let text = value.templateText
            if !values.isEmpty { key += "," }
            key += "\(field.label)=\(text)"
            values.append(text)
        }
        return (key, values)
    }

    /// A group's label (`building 7, unit 3`) and its values by label, from the values `group` found.
    private static func groupDescription(_ correlate: CompiledRule.Correlate, values: [String]) -> (label: String, fields: [String: String]) {
        var labelParts: [String] = []
        var fields: [String: String] = [:]
        for (field, value) in zip(correlate.by, values) {
            labelParts.append("\(field.label) \(value)")
            fields[field.label] = value
        }
        return (labelParts.joined(separator: ", "), fields)
    }

    /// Correlation counts devices whose own condition holds: a device joins the group when its condition
    /// comes on, counts once it has held for the rule's `for` (at once without one), and leaves when its
    /// `clear when` is true or its latest trigger is older than the window (device time).
    func processCorrelation(_ index: Int, _ rule: CompiledRule, _ message: InboundMessage, _ context: inout EvaluationContext,
                                    _ actions: inout [RuleAction]) {
        guard let correlate = rule.conditions.correlate else { return }
        if let condition = rule.conditions.whereCondition, !condition.isTrue(in: &context) { return }
        guard let group = group(correlate, &context) else { return }
        let key = group.key
        let occurred = message.occurredAt
        // Without `clear when`, a message that does not trigger changes nothing worth saving: the window is
        // applied again whenever the group is used (and `sweepGroups` forgets groups gone quiet).
        let triggered: Bool? = rule.conditions.clearWhen == nil ? rule.conditions.when?.isTrue(in: &context) ?? false : nil
        if triggered == false { return }
        if slots[index].groups[key] == nil, slots[index].groups.count >= maxUnregisteredDevices {
            sweepGroups(index, rule, now: occurred, within: correlate.withinMillis)
        }
        var state = slots[index].groups[key] ?? RuleKeyState()
        let newest = state.members.reduce(occurred) { max($0, $1.at) }
        let stale = newest.minus(correlate.withinMillis)
        let pruned = state.members.contains { $0.at <= stale }
        if pruned { state.members.removeAll { $0.at <= stale } }
        if let clear = rule.conditions.clearWhen, clear.isTrue(in: &context) {
            // A late report of a moment before the device's condition began does not take it out.
            state.members.removeAll { $0.device == context.deviceID && $0.since <= occurred }
            // With `clear after`, the group's event lasts that long (a confirmed fire is not over because its
            // detectors went quiet); without it, it clears when no member counts any more.
            if state.active, rule.handling.clearAfterMillis == nil, !state.members.contains(where: \.counts) {
                actions.append(followUp(.clear, of: state, rule: rule, key: key, at: context.now, topic: message.topic, payloadText: message.payloadText))
                slots[index].counters.cleared += 1
                deactivate(index, &state, key: key, device: nil)
            }
            storeGroup(state, index, rule, key: key)
            return
        }
        guard triggered ?? rule.conditions.when?.isTrue(in: &context) ?? false, allows(index, rule, nil, &context) else {
            if pruned { storeGroup(state, index, rule, key: key) }
            return
        }
        let position: Int
        if let found = state.members.firstIndex(where: { $0.device == context.deviceID }) {
            position = found
            // Its `for` runs out on the arrival clock (`confirmMembers`), as a device rule's debounce does.
            state.members[position].at = max(state.members[position].at, occurred)
        } else {
            let due = rule.conditions.holdForMillis.map { context.now.plus($0) }
            let kind = message.topicSegments.value("kind", slot: layoutSlots.kind) ?? ""
            state.members.append(.init(device: context.deviceID, kind: kind, at: occurred, since: occurred, due: due))
            position = state.members.count - 1
            if let due {
                slots[index].pendingGroups.insert(key)
                slots[index].nextGroupDue = min(slots[index].nextGroupDue, due)
            }
        }
        let counts = state.members[position].counts
        Self.trimMembers(&state.members, correlate)
        let counting = state.members.reduce(0) { $0 + ($1.counts ? 1 : 0) }
        if counts, Self.groupFires(state, counting: counting, correlate) {
            context.count = counting
            let description = Self.groupDescription(correlate, values: group.values)
            var action = makeRaise(rule, key: key, group: description.label, kind: message.kind,
                                   topic: message.topic, payloadText: message.payloadText, &context)
            action.groupFields = description.fields
            raise(index, rule, action, &state, key: key, device: nil, &actions)
        }
        storeGroup(state, index, rule, key: key)
    }

    /// Whether a group with `counting` counting members raises (again): once raised, every further member
    /// counts; before, it needs `n` of them, `including.n` of `including.kind` among them.
    static func groupFires(_ state: RuleKeyState, counting: Int, _ correlate: CompiledRule.Correlate) -> Bool {
        if state.active { return true }
        guard counting >= correlate.n else { return false }
        guard let including = correlate.including else { return true }
        return state.members.reduce(0) { $0 + ($1.counts && $1.kind == including.kind ? 1 : 0) } >= including.n
    }

    /// Bounds a group's members to 4 × N (a window full of call buttons must not grow without end), oldest
    /// first, but never the members of the kind `including` asks for that it still needs: a flood of one
    /// kind does not push out the smoke alarm a confirmation depends on.
    static func trimMembers(_ members: inout [RuleKeyState.Member], _ correlate: CompiledRule.Correlate) {
        let cap = max(correlate.n, correlate.including?.n ?? 0) * 4
        guard members.count > cap else { return }
        guard let including = correlate.including else {
            members.removeFirst(members.count - cap)
            return
        }
        var excess = members.count - cap
        var spareOfKind = members.reduce(0) { $0 + ($1.kind == including.kind ? 1 : 0) } - including.n
        var kept: [RuleKeyState.Member] = []
        kept.reserveCapacity(cap)
        for member in members {
            if excess > 0, member.kind != including.kind || spareOfKind > 0 {
                if member.kind == including.kind { spareOfKind -= 1 }
                excess -= 1
            } else {
                kept.append(member)
            }
        }
        members = kept
    }

    /// Counts the group members whose `for` has passed on the arrival clock; raises a group that now has enough.
    func confirmMembers(_ index: Int, _ rule: CompiledRule, _ now: EpochMillis, _ actions: inout [RuleAction]) {
        guard let correlate = rule.conditions.correlate, !slots[index].pendingGroups.isEmpty, now >= slots[index].nextGroupDue else { return }
        var next = EpochMillis.max
        for key in slots[index].pendingGroups.sorted() {
            guard var state = slots[index].groups[key] else {
                slots[index].pendingGroups.remove(key)
                continue
            }
            var confirmed: String?
            for position in state.members.indices {
                guard let due = state.members[position].due else { continue }
                if now >= due {
                    state.members[position].due = nil
                    confirmed = state.members[position].device
                } else {
                    next = min(next, due)
                }
            }
            if !state.members.contains(where: { !$0.counts }) { slots[index].pendingGroups.remove(key) }
            guard let deviceID = confirmed else { continue }
            let counting = state.members.reduce(0) { $0 + ($1.counts ? 1 : 0) }
            if Self.groupFires(state, counting: counting, correlate) {
                // The device that completed the group, as the registry knows it (no message at hand).
                let entry = deviceEntries[deviceID]
                let segments = entry.map { Self.registrySegments(id: deviceID, $0.record) } ?? TopicSegments(names: ["device"], values: [deviceID])
                var context = EvaluationContext(payload: JSONObject(), segments: segments, deviceID: deviceID, device: entry,
                                                awayUntil: awayUntil(deviceID, entry), now: now)
                let group = self.group(correlate, &context).map { Self.groupDescription(correlate, values: $0.values) }
                context.count = counting
                let label = group?.label ?? key.replacingEvery("=", with: " ").replacingEvery(",", with: ", ")
                var action = makeRaise(rule, key: key, group: label, kind: entry?.record.kind ?? "", topic: "", payloadText: "", &context)
                action.groupFields = group?.fields ?? [:]
                raise(index, rule, action, &state, key: key, device: nil, &actions)
                record(&context, in: index)
            }
            storeGroup(state, index, rule, key: key)
        }
        slots[index].nextGroupDue = next
    }

    /// Forgets correlation groups with no member left in the window (group values come from device data,
    /// so their number is bounded like unregistered devices: beyond the cap the oldest groups go).
    private func sweepGroups(_ index: Int, _ rule: CompiledRule, now: EpochMillis, within: Int64) {
        for (key, group) in slots[index].groups where !group.active && !group.members.contains(where: { $0.at > now.minus(within) }) {
            slots[index].groups[key] = nil
            dirty.insert(StateRef(rule: rule.name, key: key, isGroup: true))
        }
        while slots[index].groups.count >= maxUnregisteredDevices {
            let oldest = slots[index].groups.min { ($0.value.members.last?.at ?? 0) < ($1.value.members.last?.at ?? 0) }
            guard let oldest else { break }
            slots[index].groups[oldest.key] = nil
            slots[index].activeGroups.remove(oldest.key)
            dirty.insert(StateRef(rule: rule.name, key: oldest.key, isGroup: true))
            engineCounters.evictedDevices += 1
        }
    }
}
