import Vocabulary

/// Rules over one device's own messages: onset, `for`, `count … within`, clear.
extension RuleEngine {
    // MARK: Device rules

    /// A device's own sequence (the order of its onset and clear, `count` and `flapping` windows,
    /// `unless recently`) follows its time (`occurredAt`: the payload's `ts` when plausible); timers, deadlines
    /// and actions follow the engine's arrival clock (`context.now`): a debounce runs out after the report that
    /// started it arrived, so a late report is never overdue before anyone could see it.
    func processDevice(_ index: Int, _ rule: CompiledRule, _ message: InboundMessage, _ device: DeviceIndex,
                               _ context: inout EvaluationContext, _ actions: inout [RuleAction]) {
        let key = context.deviceID
        let occurred = message.occurredAt
        let entry = states.entry(rule: index, device: device)
        let existing = entry.map { states[$0] }
        var state = existing ?? RuleKeyState()
        var changed = false
        defer {
            if changed { storeDevice(state, index, device, entry: entry) }
        }
        if let recently = rule.conditions.recently {
            if recently.condition.isTrue(in: &context) {
                // A late report of an older moment does not move the time back.
                if state.recentAt.map({ occurred > $0 }) ?? true {
                    state.recentAt = occurred
                    changed = true
                }
            } else if let at = state.recentAt, occurred.minus(at) > recently.withinMillis {
                state.recentAt = nil
                changed = true
            }
        }
        if let condition = rule.conditions.whereCondition, !condition.isTrue(in: &context) { return }
        if state.active || state.pendingSince != nil || rule.flapping != nil, let clear = rule.conditions.clearWhen, clear.isTrue(in: &context) {
            // A late report of a moment before the pending condition began says nothing about it.
            if let since = state.pendingSince, occurred < since { return }
            if rule.flapping != nil {
                conditionCleared(index, rule, &state, key: key, device: device, message, context.now, &actions)
            } else if state.active {
                actions.append(followUp(.clear, of: state, rule: rule, key: key, at: context.now, topic: message.topic, payloadText: message.payloadText))
                slots[index].counters.cleared += 1
                deactivate(index, &state, key: key, device: device)
            } else {
                cancelPending(index, &state, device: device)
            }
            changed = true
            return
        }
        if state.active, let downgrade = rule.handling.downgrade, state.level > downgrade.level, downgrade.condition.isTrue(in: &context) {
            state.level = downgrade.level
            actions.append(followUp(.downgrade, of: state, rule: rule, key: key, at: context.now, topic: message.topic, payloadText: message.payloadText))
            changed = true
            return
        }
        let immediate = rule.conditions.atOnce?.isTrue(in: &context) ?? false
        guard immediate || (rule.conditions.when?.isTrue(in: &context) ?? false) else { return }
        guard allows(index, rule, existing, &context) else { return }
        if let flapping = rule.flapping, !state.conditionOn {
            state.conditionOn = true
            changed = true
            notePulse(index, rule, flapping, &state, key: key, device: device, message, &context, &actions)
        }
        if let count = rule.conditions.count {
            Self.insertTime(occurred, into: &state.window, within: count.withinMillis, keeping: count.n)
            changed = true
            guard state.window.count >= count.n || state.active else { return }
            context.count = state.window.count
        }
        // While flapping, only a pulse that holds for the debounce raises (to the rule's level).
        if let hold = rule.conditions.holdForMillis, !immediate, !state.active || state.flapping {
            // Already pending: the debounce runs out on the arrival clock (`firePending`), so buffered reports
            // that arrive in a burst never pass it at once, however far apart their device times are.
            guard state.pendingSince == nil else { return }
            changed = true
            let due = context.now.plus(hold)
            state.pendingSince = occurred
            state.pendingDue = due
            state.pendingRaise = makeRaise(rule, key: key, group: "", kind: message.kind, topic: message.topic,
                                           payloadText: message.payloadText, &context)
            slots[index].pending.insert(device)
            slots[index].nextPendingDue = min(slots[index].nextPendingDue, due)
            return
        }
        let action = makeRaise(rule, key: key, group: "", kind: message.kind, topic: message.topic, payloadText: message.payloadText, &context)
        raise(index, rule, action, &state, key: key, device: device, &actions)
        changed = true
    }

    /// Inserts `time` into the ascending `times`, drops those `within` or more before the newest, keeps the last `n`.
    static func insertTime(_ time: EpochMillis, into times: inout [EpochMillis], within: Int64, keeping n: Int) {
        let position = times.lastIndex(where: { $0 <= time }).map { $0 + 1 } ?? 0
        times.insert(time, at: position)
        let stale = times[times.count - 1].minus(within)
        if times[0] <= stale { times.removeAll { $0 <= stale } }
        if times.count > n { times.removeFirst(times.count - n) }
    }

    /// Forgets a pending `for` (the condition cleared before it held).
    func cancelPending(_ index: Int, _ state: inout RuleKeyState, device: DeviceIndex) {
        guard state.pendingSince != nil else { return }
        state.pendingSince = nil
        state.pendingDue = nil
        state.pendingRaise = nil
        slots[index].pending.remove(device)
    }
}
