import Vocabulary

/// Building and sending actions: raises with their templates expanded, follow-ups, deactivation; and the
/// checks (`unless`, local-time limits) every trigger passes first.
extension RuleEngine {
    // MARK: Lookup

    func record(_ context: inout EvaluationContext, in index: Int) {
        slots[index].counters.missingFields += context.missingFields
        slots[index].counters.wrongTypes += context.wrongTypes
        slots[index].counters.errors += context.errors
    }

    /// Whether local-time limits, `unless` and `unless recently` let a trigger through.
    func allows(_ index: Int, _ rule: CompiledRule, _ state: RuleKeyState?, _ context: inout EvaluationContext) -> Bool {
        var allowed = true
        if let window = rule.conditions.window, !window.contains(context.now) { allowed = false }
        if allowed, let unless = rule.conditions.unless, unless.isTrue(in: &context) { allowed = false }
        if allowed, let recently = rule.conditions.recently, let at = state?.recentAt, context.now.minus(at) <= recently.withinMillis { allowed = false }
        if !allowed { slots[index].counters.suppressed += 1 }
        return allowed
    }

    // MARK: Actions

    /// A raise for `key`, templates expanded in `context`.
    func makeRaise(_ rule: CompiledRule, key: String, group: String, kind: String, topic: String, payloadText: String,
                           _ context: inout EvaluationContext) -> RuleAction {
        let teams = Self.teams(rule.presentation.teams, in: &context)
        var action = RuleAction(
            effect: .raise, rule: rule.name, eventKey: "\(rule.name)/\(key)", deviceID: context.deviceID, kind: kind, group: group,
            level: rule.presentation.level, escalateTo: rule.deadlines.escalateTo, title: rule.presentation.title.render(in: &context),
            description: rule.presentation.description.render(in: &context), teams: teams, ackWithinSeconds: rule.deadlines.ackWithinSeconds,
            onsiteWithinSeconds: rule.deadlines.onsiteWithinSeconds, payloadText: payloadText, topic: topic, at: context.now)
        action.mergeWithinSeconds = rule.handling.mergeWithinMillis.map { $0 / 1000 }
        action.device = context.device
        action.escalation = rule.fixedEscalation ?? rule.deadlines.escalation.map { $0.resolved(teams: Self.teams($0.teams, in: &context)) }
        return action
    }

    /// Team names of `exprs` in `context`, in order, without blanks and repeats (a field of a device without it).
    private static func teams(_ exprs: [RuleExpr], in context: inout EvaluationContext) -> [String] {
        var teams: [String] = []
        for expr in exprs {
            let value = expr.evaluate(in: &context)
            if case .missing = value { continue }
            let text = value.templateText
            if !text.isEmpty, !teams.contains(text) { teams.append(text) }
        }
        return teams
    }

    /// Emits `action` as a raise and marks the key active when the rule tracks activity.
    /// `device` is the key's device, nil for a correlation group `key`.
    func raise(_ index: Int, _ rule: CompiledRule, _ action: RuleAction, _ state: inout RuleKeyState,
                       key: String, device: DeviceIndex?, _ actions: inout [RuleAction]) {
        var action = action
        // From the rule in force, also for a raise built earlier (a `for` hold, restored state): its lifeSafety,
        // and the record of the registry in force (a reload may have come in between).
        action.lifeSafety = rule.deadlines.lifeSafety
        if let device { action.device = states.devices[Int(device)].record }
        actions.append(action)
        slots[index].counters.raised += 1
        state.pendingSince = nil
        if let device, !slots[index].pending.isEmpty { slots[index].pending.remove(device) }
        state.pendingDue = nil
        state.pendingRaise = nil
        // A raise of the rule's own supersedes a flapping event (`notePulse` marks its own raise).
        state.raisedFlapping = false
        guard rule.tracksActive else {
            state.action = nil
            return
        }
        state.active = true
        state.level = action.level
        state.lastRaise = action.at
        state.lastNotify = action.at
        state.action = action
        // The state keeps the event's text, not a copy of the record (a reload replaces the record).
        state.action?.device = nil
        if rule.handling.renotifyMillis != nil || rule.handling.clearAfterMillis != nil {
            if let device { slots[index].activeDevices.insert(device) } else { slots[index].activeGroups.insert(key) }
        }
    }

    /// A follow-up action (clear, downgrade, re-notify) of the key's last raise.
    func followUp(_ effect: RuleAction.Effect, of state: RuleKeyState, rule: CompiledRule, key: String,
                          at now: EpochMillis, topic: String = "", payloadText: String = "") -> RuleAction {
        var action = state.action ?? RuleAction(effect: effect, rule: rule.name, eventKey: "\(rule.name)/\(key)", deviceID: key,
                                                kind: "", level: state.level, title: rule.name, at: now)
        action.effect = effect
        action.level = state.level
        action.upgradeReason = nil
        action.at = now
        action.topic = topic
        action.payloadText = payloadText
        return action
    }

    /// `device` is the key's device, nil for a correlation group `key`.
    func deactivate(_ index: Int, _ state: inout RuleKeyState, key: String, device: DeviceIndex?) {
        Self.clearActive(&state)
        if let device { slots[index].activeDevices.remove(device) } else { slots[index].activeGroups.remove(key) }
    }

    /// Forgets that `state` is raised, with its window and group members.
    static func clearActive(_ state: inout RuleKeyState) {
        state.active = false
        state.raisedFlapping = false
        state.action = nil
        state.window.removeAll()
        state.members.removeAll()
    }
}
