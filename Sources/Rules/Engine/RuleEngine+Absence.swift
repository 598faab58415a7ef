import Vocabulary

/// `absent` and `silent`: devices (or residents) not heard from in time.
extension RuleEngine {
    // MARK: Absence rules

    func processPresence(_ index: Int, _ rule: CompiledRule, _ message: InboundMessage, _ deviceSlot: DeviceIndex,
                                 _ context: inout EvaluationContext, _ actions: inout [RuleAction]) {
        guard context.device != nil else { return }
        if rule.conditions.perResident {
            // `where` picks the devices whose residents are watched (in `checkAbsence`); an action on another device
            // of theirs (their call button) counts too. A device without a resident id is its own resident, and
            // not watched: nothing to note (decided before `when`, which reads the payload).
            if let condition = rule.conditions.whereCondition, !condition.isTrue(in: &context), context.device?.residentID.isEmpty ?? true { return }
            if let when = rule.conditions.when, !when.isTrue(in: &context) { return }
        } else {
            if case .absent = rule.trigger, let when = rule.conditions.when, !when.isTrue(in: &context) { return }
            if let condition = rule.conditions.whereCondition, !condition.isTrue(in: &context) { return }
        }
        let key = context.deviceID
        let limit = absenceLimit(rule, reportIntervalSeconds: states.devices[Int(deviceSlot)].reportIntervalSeconds) ?? 0
        let granularity = min(60_000, max(1, limit / 16))
        if rule.conditions.perResident || !slots[index].groups.isEmpty {
            processResidentPresence(index, rule, message, deviceSlot, granularity, &context, &actions)
            if rule.conditions.perResident { return }
        }
        // The device's state under the rule updated in place (created when absent).
        let entry = states.entryCreating(rule: index, device: deviceSlot)
        switch Self.noteSeen(&states[entry], now: context.now, granularity: granularity) {
        case .recentlySaved:
            return
        case .saved:
            break
        case .cleared(let raised):
            actions.append(followUp(.clear, of: raised, rule: rule, key: key, at: context.now, topic: message.topic,
                                    payloadText: message.payloadText))
            slots[index].counters.cleared += 1
            slots[index].activeDevices.remove(deviceSlot)
        }
        states.markDirty(entry)
    }

    /// A matching message under a rule `absent … by resident`: the resident's state (a group state keyed by
    /// `residentKey`) notes it, and clears when raised. A state of the other keying left raised by a reload that
    /// added or removed `by resident` clears too (the person is back), so no event of theirs stays open for good.
    private func processResidentPresence(_ index: Int, _ rule: CompiledRule, _ message: InboundMessage, _ deviceSlot: DeviceIndex,
                                         _ granularity: Int64, _ context: inout EvaluationContext, _ actions: inout [RuleAction]) {
        guard let record = context.device?.record else { return }
        let key = record.residentKey
        if rule.conditions.perResident {
            switch Self.noteSeen(&slots[index].groups[key, default: RuleKeyState()], now: context.now, granularity: granularity) {
            case .recentlySaved:
                break
            case .saved:
                dirty.insert(StateRef(rule: rule.name, key: key, isGroup: true))
            case .cleared(let raised):
                // The event stays the resident's (its key and the device it was raised from); the clear names the
                // device that showed the sign of life, which may be another of theirs (a call button).
                var clear = followUp(.clear, of: raised, rule: rule, key: key, at: context.now, topic: message.topic,
                                     payloadText: message.payloadText)
                clear.deviceID = context.deviceID
                actions.append(clear)
                slots[index].counters.cleared += 1
                slots[index].activeGroups.remove(key)
                dirty.insert(StateRef(rule: rule.name, key: key, isGroup: true))
            }
            guard let entry = states.entry(rule: index, device: deviceSlot), states[entry].active else { return }
            actions.append(followUp(.clear, of: states[entry], rule: rule, key: context.deviceID, at: context.now,
                                    topic: message.topic, payloadText: message.payloadText))
            slots[index].counters.cleared += 1
            slots[index].activeDevices.remove(deviceSlot)
            storeDevice(RuleKeyState(), index, deviceSlot, entry: entry)
        } else if let left = slots[index].groups[key], left.active {
            actions.append(followUp(.clear, of: left, rule: rule, key: key, at: context.now, topic: message.topic,
                                    payloadText: message.payloadText))
            slots[index].counters.cleared += 1
            slots[index].activeGroups.remove(key)
            storeGroup(RuleKeyState(), index, rule, key: key)
        }
    }

    /// What a message did to a device's state under an absence rule.
    private enum Sighting {
        /// Only the last-seen time moved: the saved one is recent enough, nothing to write.
        case recentlySaved
        /// Last seen moved and is to be saved.
        case saved
        /// As `saved`, and the raised event clears; the state as it was raised.
        case cleared(RuleKeyState)
    }

    /// Notes a message from the device at `now`: a state that is not raised and was saved less than
    /// `granularity` ago only moves its last-seen time; otherwise it is saved, and a raised one clears.
    private static func noteSeen(_ state: inout RuleKeyState, now: EpochMillis, granularity: Int64) -> Sighting {
        if !state.active, let saved = state.savedLastSeen, now.minus(saved) < granularity {
            state.lastSeen = now
            return .recentlySaved
        }
        state.lastSeen = now
        state.savedLastSeen = now
        guard state.active else { return .saved }
        let raised = state
        clearActive(&state)
        return .cleared(raised)
    }

    /// How long a registered device may stay quiet under an absence rule; nil when the rule does not apply.
    private func absenceLimit(_ rule: CompiledRule, reportIntervalSeconds: Int64?) -> Int64? {
        switch rule.trigger {
        case .message: return nil
        case .absent(let millis): return millis
        case .silent(let factor):
            guard let interval = reportIntervalSeconds, interval > 0 else { return nil }
            let millis = Double(interval) * 1000 * factor
            guard millis.isFinite, millis < 1e15 else { return nil }
            return Int64(millis)
        }
    }

    /// Registered devices an absence check examines per rule and tick. A check of a large registry (about 2 µs
    /// per device) goes on over several ticks, so that a batch, and a call-button press in it, never waits
    /// behind a whole pass: with 1,000,000 devices a pass takes 200 ticks (40 s), and an absence is raised at
    /// most that much after it is due.
    static let absenceDevicesPerTick = 5_000

    /// Starts every absence check afresh at the next tick (after a change of rules, registry, away notes or state).
    func restartAbsenceChecks() {
        for index in slots.indices {
            slots[index].nextAbsenceCheck = .min
            slots[index].absenceCursor = nil
        }
    }

    /// Examines the next `absenceDevicesPerTick` registered devices of the pass under way (or of a new one) and
    /// raises for those quiet past their limit; when the pass is complete, schedules the next at the earliest
    /// due time it found (at most a minute later).
    func checkAbsence(_ index: Int, _ rule: CompiledRule, _ now: EpochMillis, _ actions: inout [RuleAction]) {
        let started = startedAt ?? now
        let resumed = resumedAt ?? started
        let armed = max(started, slots[index].armedAt ?? started)
        let devices = deviceEntries
        var position = slots[index].absenceCursor ?? devices.startIndex
        var next = slots[index].absenceCursor == nil ? now.plus(60_000) : slots[index].absencePassNext
        var examined = 0
        /// Residents found absent (rules `by resident`), each with the device of the smallest id that found it.
        var absentResidents: [String: (id: String, entry: DeviceEntry)] = [:]
        defer {
            if !absentResidents.isEmpty { raiseAbsentResidents(absentResidents, index, rule, now, &actions) }
            if position == devices.endIndex {
                slots[index].absenceCursor = nil
                slots[index].nextAbsenceCheck = next
            } else {
                slots[index].absenceCursor = position
                slots[index].absencePassNext = next
            }
        }
        while position != devices.endIndex && examined < Self.absenceDevicesPerTick {
            let (id, entry) = devices[position]
            position = devices.index(after: position)
            examined += 1
            let device = entry.record
            guard let limit = absenceLimit(rule, reportIntervalSeconds: device.reportIntervalSeconds) else { continue }
            let segments = Self.registrySegments(id: id, device)
            guard rule.filters.contains(where: { $0.matches(segments, partial: true) }) else { continue }
            if rule.conditions.perResident {
                // `where` first: it leaves out most devices (their call buttons), before any look-up by resident.
                var context = EvaluationContext(payload: JSONObject(), segments: segments, deviceID: id, device: entry,
                                                awayUntil: awayUntil(id, device), now: now)
                defer { record(&context, in: index) }
                if let condition = rule.conditions.whereCondition, !condition.isTrue(in: &context) { continue }
                let key = device.residentKey
                let state = slots[index].groups[key] ?? RuleKeyState()
                if state.active { continue }
                if let found = absentResidents[key] {
                    if id < found.id { absentResidents[key] = (id, entry) }
                    continue
                }
                guard let due = absenceDue(rule, state, limit: limit, awayUntil: context.awayUntil, armed: armed,
                                           resumed: resumed, now: now, next: &next) else { continue }
                guard now >= due else {
                    next = min(next, due)
                    continue
                }
                guard allows(index, rule, state, &context) else { continue }
                absentResidents[key] = (id, entry)
                continue
            }
            let deviceSlot = states.device(id)
            let stateEntry = deviceSlot.flatMap { states.entry(rule: index, device: $0) }
            var state = stateEntry.map { states[$0] } ?? RuleKeyState()
            if state.active { continue }
            var context = EvaluationContext(payload: JSONObject(), segments: segments, deviceID: id, device: entry,
                                            awayUntil: awayUntil(id, device), now: now)
            defer { record(&context, in: index) }
            if let condition = rule.conditions.whereCondition, !condition.isTrue(in: &context) { continue }
            guard let due = absenceDue(rule, state, limit: limit, awayUntil: context.awayUntil, armed: armed,
                                       resumed: resumed, now: now, next: &next) else { continue }
            guard now >= due else {
                next = min(next, due)
                continue
            }
            guard allows(index, rule, state, &context) else { continue }
            let action = makeRaise(rule, key: id, group: "", kind: device.kind, topic: "", payloadText: "", &context)
            let raisedDevice = deviceSlot ?? states.addDevice(id, record: entry)
            raise(index, rule, action, &state, key: id, device: raisedDevice, &actions)
            storeDevice(state, index, raisedDevice, entry: stateEntry)
        }
    }

    /// When a key quiet since its state's last sighting (else since `armed`) is absent: `limit` after it, or after
    /// the away note in force ended (nil while one is in force, which `next` then notes), and never before the
    /// start grace after `resumed`.
    private func absenceDue(_ rule: CompiledRule, _ state: RuleKeyState, limit: Int64, awayUntil: EpochMillis?,
                            armed: EpochMillis, resumed: EpochMillis, now: EpochMillis, next: inout EpochMillis) -> EpochMillis? {
        var base = state.lastSeen ?? armed
        if rule.usesAway, let until = awayUntil {
            if now < until {
                next = min(next, until)
                return nil
            }
            base = max(base, until)
        }
        return max(base.plus(limit), resumed.plus(min(limit, Self.startGrace)))
    }

    /// Raises the residents an absence check found absent (rule `index`, `by resident`), in the order of their
    /// keys; each event is keyed by the resident and told from their device of the smallest id.
    private func raiseAbsentResidents(_ absent: [String: (id: String, entry: DeviceEntry)], _ index: Int, _ rule: CompiledRule,
                                      _ now: EpochMillis, _ actions: inout [RuleAction]) {
        for key in absent.keys.sorted() {
            guard let (id, entry) = absent[key] else { continue }
            var state = slots[index].groups[key] ?? RuleKeyState()
            guard !state.active else { continue }
            var context = EvaluationContext(payload: JSONObject(), segments: Self.registrySegments(id: id, entry.record), deviceID: id,
                                            device: entry, awayUntil: awayUntil(id, entry.record), now: now)
            let action = makeRaise(rule, key: key, group: "", kind: entry.record.kind, topic: "", payloadText: "", &context)
            record(&context, in: index)
            raise(index, rule, action, &state, key: key, device: nil, &actions)
            storeGroup(state, index, rule, key: key)
        }
    }

    /// The topic segments a registered device's messages would have, as far as the registry knows them.
    static func registrySegments(id: String, _ device: DeviceRecord) -> TopicSegments {
        var names = ["device"]
        var values = [id]
        if !device.community.isEmpty {
            names.append("community")
            values.append(device.community)
        }
        if !device.kind.isEmpty {
            names.append("kind")
            values.append(device.kind)
        }
        return TopicSegments(names: names, values: values)
    }

    /// After a start or restore, absence alarms wait at least this long (queued messages arrive first).
    static let startGrace: EpochMillis = 5 * 60_000
}
