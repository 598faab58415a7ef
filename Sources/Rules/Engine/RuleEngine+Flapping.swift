import Vocabulary

/// `flapping`: pulses that raise at once, and clears held back until a device has settled.
extension RuleEngine {
    // MARK: Flapping

    /// Why a flapping event is upgraded to the rule's own (its timeline says it).
    static let heldAfterFlapping = "an alarm held past its debounce after flapping"

    /// A pulse of a rule with `flapping`: the device's condition came on again. Clears are held back until the
    /// window has passed without a pulse; at N pulses within the window the device is flapping, and when
    /// nothing is raised for it yet, one event is raised at the flapping level (never lower than what is raised).
    func notePulse(_ index: Int, _ rule: CompiledRule, _ flapping: CompiledRule.Flapping, _ state: inout RuleKeyState,
                           key: String, device: DeviceIndex, _ message: InboundMessage, _ context: inout EvaluationContext,
                           _ actions: inout [RuleAction]) {
        Self.insertTime(message.occurredAt, into: &state.window, within: flapping.withinMillis, keeping: flapping.n)
        let until = context.now.plus(flapping.withinMillis)
        state.holdUntil = max(state.holdUntil ?? .min, until)
        slots[index].held.insert(device)
        slots[index].nextHeldDue = min(slots[index].nextHeldDue, until)
        guard !state.flapping, state.window.count >= flapping.n else { return }
        state.flapping = true
        slots[index].counters.flapping += 1
        // An event already raised stays as it is: flapping never lowers or replaces it.
        guard !state.active else { return }
        var action = makeRaise(rule, key: key, group: "", kind: message.kind, topic: message.topic,
                               payloadText: message.payloadText, &context)
        action.level = flapping.level
        if let title = flapping.title {
            action.title = title.render(in: &context)
        } else {
            action.title += " (flapping)"
        }
        if let escalateTo = action.escalateTo, escalateTo <= flapping.level { action.escalateTo = nil }
        // The chain belongs to the rule's own level: a held alarm that upgrades the event brings it in.
        action.escalation = []
        let pending = (state.pendingSince, state.pendingDue, state.pendingRaise)
        raise(index, rule, action, &state, key: key, device: device, &actions)
        state.raisedFlapping = true
        // The pulse's own debounce goes on: if it holds, it raises the event to the rule's level and title.
        if let since = pending.0 {
            state.pendingSince = since
            state.pendingDue = pending.1
            state.pendingRaise = pending.2
            slots[index].pending.insert(device)
        }
    }

    /// The `clear when` of a rule with `flapping`: the condition is off; a raised event clears at once unless
    /// the device is flapping or pulsed within the window, then when the window has passed (`releaseHeld`).
    func conditionCleared(_ index: Int, _ rule: CompiledRule, _ state: inout RuleKeyState, key: String, device: DeviceIndex,
                                  _ message: InboundMessage, _ now: EpochMillis, _ actions: inout [RuleAction]) {
        state.conditionOn = false
        cancelPending(index, &state, device: device)
        guard state.active else { return }
        if let until = state.holdUntil, state.flapping || now < until {
            slots[index].held.insert(device)
            slots[index].nextHeldDue = min(slots[index].nextHeldDue, until)
            return
        }
        state.holdUntil = nil
        actions.append(followUp(.clear, of: state, rule: rule, key: key, at: now, topic: message.topic, payloadText: message.payloadText))
        slots[index].counters.cleared += 1
        deactivate(index, &state, key: key, device: device)
    }

    /// Ends the holds that are over: the device stopped flapping; a raised event whose device is back to
    /// normal clears now (the normal report it held back).
    func releaseHeld(_ index: Int, _ rule: CompiledRule, _ now: EpochMillis, _ actions: inout [RuleAction]) {
        guard !slots[index].held.isEmpty, now >= slots[index].nextHeldDue else { return }
        var due: [DeviceIndex] = []
        var next = EpochMillis.max
        for device in slots[index].held {
            guard let entry = states.entry(rule: index, device: device), let until = states[entry].holdUntil else {
                due.append(device)
                continue
            }
            if now >= until { due.append(device) } else { next = min(next, until) }
        }
        slots[index].nextHeldDue = next
        for device in due.count > 1 ? sortedByID(due) : due {
            slots[index].held.remove(device)
            guard let entry = states.entry(rule: index, device: device), states[entry].holdUntil != nil else { continue }
            var state = states[entry]
            state.holdUntil = nil
            state.flapping = false
            if !state.conditionOn {
                state.window.removeAll()
                if state.active {
                    actions.append(followUp(.clear, of: state, rule: rule, key: states.devices[Int(device)].id, at: now))
                    slots[index].counters.cleared += 1
                    deactivate(index, &state, key: states.devices[Int(device)].id, device: device)
                }
            }
            storeDevice(state, index, device, entry: entry)
        }
    }
}
