import Vocabulary

/// Evaluates rules over messages and time. Not thread-safe: one owner calls it from one thread.
///
/// Time is injected: every call takes `now`, so tests of durations, windows and absence run instantly.
/// See docs/rules.md for the semantics of every clause.
public final class RuleEngine {
    /// Dense index of a device in the engine's state table.
    typealias DeviceIndex = RuleStateTable.DeviceIndex

    /// The rules in force.
    public private(set) var ruleSet: RuleSet
    /// The registry rules read `device.*` and `resident.*` from.
    public private(set) var registry: DeviceRegistry
    /// Most unregistered devices whose state is kept; beyond it the least recently seen is forgotten.
    public var maxUnregisteredDevices: Int

    /// Runtime state of one rule.
    /// (Device keys' states are in `states`, under the rule's position.)
    struct Slot {
        var groups: [String: RuleKeyState] = [:]
        /// Devices with a pending `for`.
        var pending: Set<DeviceIndex> = []
        /// Active keys that need ticks (`renotify`, `clear after`): devices, and group keys.
        var activeDevices: Set<DeviceIndex> = []
        var activeGroups: Set<String> = []
        var counters = RuleCounters()
        /// Earliest time an absence check can be due.
        var nextAbsenceCheck: EpochMillis = .min
        /// No pending `for` is due before this (a lower bound: removals do not raise it).
        var nextPendingDue: EpochMillis = .min
        /// Where the absence check under way goes on in the registry (nil: none under way).
        var absenceCursor: [String: DeviceEntry].Index?
        /// Earliest due time the absence check under way has found so far.
        var absencePassNext: EpochMillis = .max
        /// Devices whose `clear when` is held back (`flapping`: recent pulses, or flapping) until their `holdUntil`.
        var held: Set<DeviceIndex> = []
        /// No held clear is due before this (a lower bound).
        var nextHeldDue: EpochMillis = .min
        /// Correlation groups with a member still waiting out the rule's `for`.
        var pendingGroups: Set<String> = []
        /// No group member is due before this (a lower bound).
        var nextGroupDue: EpochMillis = .min
        /// Since when the rule, as it now reads, has been in force (absence rules: a device never seen under it is
        /// counted absent from here). Nil: since the engine started.
        var armedAt: EpochMillis?
    }

    var slots: [Slot]
    var slotIndex: [String: Int]
    /// Away notes: subject (device id or resident id) → until.
    var away: [String: EpochMillis] = [:]
    /// Away notes by the resident they concern (`DeviceRecord.residentKey`; an unregistered subject stands for
    /// itself): a note on a resident id or on any of their devices makes `resident.away` true for all of them.
    var awayByResident: [String: EpochMillis] = [:]
    /// When the engine first started (first call ever, saved with the state and restored by `restoreState`);
    /// absence timers of devices never seen start here (or when their rule came into force, if later).
    var startedAt: EpochMillis?
    /// When this run of the engine began (first call, or `restoreState`): absence alarms wait `startGrace` after it.
    var resumedAt: EpochMillis?
    /// Whether the start time and the rules' `armedAt` are to be written by the next `takeStateChanges()`.
    var metaDirty = false
    /// The latest time the engine was given (for a rule change made without one).
    var latestNow: EpochMillis = .min
    /// Registry records by id: the registry's own dictionary (each record is one shared reference).
    var deviceEntries: [String: DeviceEntry] { registry.devices }
    /// Candidate rules by kind and channel.
    var candidates: CandidateRules
    /// Every device's state under every rule, by device index.
    var states = RuleStateTable()
    /// Changed state not in `states`' own marks: correlation groups, and device state dropped with a
    /// forgotten device or a changed rule. Resolved against the current state by `takeStateChanges()`.
    var dirty: Set<StateRef> = []
    /// Saved keys that could not be restored: deleted by the next `takeStateChanges()`.
    var droppedKeys: [String] = []
    var unregisteredOrder = UnregisteredDevices()
    var engineCounters = EngineCounters()
    /// Positions of `kind`, `device` and `channel` in the rules' topic layout (-1: not in the layout).
    var layoutSlots: KeySegmentSlots

    /// Creates an engine with no state.
    public convenience init(ruleSet: RuleSet, registry: DeviceRegistry) {
        self.init(ruleSet: ruleSet, registry: registry, maxUnregisteredDevices: 10_000)
    }

    /// Creates an engine with no state and a cap on tracked unregistered devices.
    public init(ruleSet: RuleSet, registry: DeviceRegistry, maxUnregisteredDevices: Int) {
        self.ruleSet = ruleSet
        self.registry = registry
        self.maxUnregisteredDevices = max(1, maxUnregisteredDevices)
        self.slots = Array(repeating: Slot(), count: ruleSet.rules.count)
        self.slotIndex = Dictionary(ruleSet.rules.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.layoutSlots = KeySegmentSlots(ruleSet.layout)
        self.candidates = CandidateRules(ruleSet.rules)
        // Registered devices get their index and (under an absence rule) a state as they first report.
        states.reserveCapacity(devices: registry.count)
    }

    /// Counters per rule, in rule order.
    public var ruleCounters: [(rule: String, counters: RuleCounters)] {
        zip(ruleSet.rules, slots).map { ($0.name, $1.counters) }
    }

    /// Engine-wide counters.
    public var counters: EngineCounters {
        var c = engineCounters
        c.trackedUnregisteredDevices = unregisteredOrder.count
        return c
    }

    /// Evaluates every rule whose topic filter matches `message`; returns the resulting actions in order.
    /// `lookup`: the caller's `lookUp` of the message's device since the engine last changed, if it made one (then
    /// the device is not looked up again).
    public func process(_ message: InboundMessage, device lookup: DeviceLookup? = nil) -> [RuleAction] {
        let now = message.receivedAt
        if resumedAt == nil { noteStart(now) }
        if now > latestNow { latestNow = now }
        let segments = message.topicSegments
        let candidates = candidates.candidates(kind: segments.value("kind", slot: layoutSlots.kind) ?? "",
                                               channel: segments.value("channel", slot: layoutSlots.channel) ?? "")
        guard !candidates.isEmpty else { return [] }
        let deviceID = segments.value("device", slot: layoutSlots.device) ?? ""
        // One look-up of the device in the state table; the registry only for a device the table lacks.
        let found = lookup.flatMap { $0.deviceID == deviceID ? $0 : nil } ?? lookUp(deviceID)
        var deviceIndex = found.index
        let device = found.record
        let awayUntil = away.isEmpty ? nil : awayByResident[device?.residentKey ?? deviceID]
        var actions: [RuleAction] = []
        var touched = false
        // One context for all rules of the message: `startRule()` resets what a rule changes in it.
        var context = EvaluationContext(payload: message.payload, segments: segments, deviceID: deviceID,
                                        device: device, awayUntil: awayUntil, now: now)
        let rules = ruleSet.rules
        for candidate in candidates {
            let rule = rules[candidate.index]
            if candidate.check, !rule.accepts(segments) { continue }
            let index = candidate.index
            let deviceSlot: DeviceIndex
            if let known = deviceIndex {
                deviceSlot = known
            } else {
                // The first rule that applies gives the device its index (and an unregistered one its place
                // among the tracked unregistered devices, which bounds the table).
                deviceSlot = states.addDevice(deviceID, record: device)
                deviceIndex = deviceSlot
            }
            if device == nil, !touched {
                touched = true
                trackUnregistered(deviceID)
            }
            slots[index].counters.evaluations += 1
            context.startRule()
            switch rule.trigger {
            case .message:
                if rule.correlate != nil {
                    processCorrelation(index, rule, message, &context, &actions)
                } else {
                    processDevice(index, rule, message, deviceSlot, &context, &actions)
                }
            case .absent, .silent:
                processPresence(index, rule, message, deviceSlot, &context, &actions)
            }
            if context.missingFields | context.wrongTypes | context.errors != 0 { record(&context, in: index) }
        }
        return actions
    }

    /// The registry record of `deviceID`, nil when it is not registered: the look-up `isRegistered` makes, for
    /// a caller that needs the record's community and kind too.
    public func record(of deviceID: String) -> DeviceRecord? {
        lookUp(deviceID).record
    }

    /// Device `deviceID` as the engine knows it: its place in the state table (one hash look-up), the registry
    /// only for a device the table lacks. Valid until the engine next changes; `process(_:device:)` takes it, so a
    /// caller that checks the record before evaluating a message looks the device up once.
    public func lookUp(_ deviceID: String) -> DeviceLookup {
        if let index = states.indexByID[deviceID] {
            return DeviceLookup(deviceID: deviceID, index: index, record: states.devices[Int(index)].record)
        }
        return DeviceLookup(deviceID: deviceID, index: nil, record: deviceEntries[deviceID])
    }

    /// One device looked up by `lookUp(_:)`.
    public struct DeviceLookup {
        let deviceID: String
        let index: DeviceIndex?
        /// Its registry record, nil when it is not registered.
        public let record: DeviceRecord?
    }

    /// Whether device `deviceID` is in the registry. Asks the engine's own device table first (the look-up
    /// `process` makes for the same message), the registry only for a device the table does not hold.
    public func isRegistered(_ deviceID: String) -> Bool {
        if let index = states.indexByID[deviceID] { return states.devices[Int(index)].record != nil }
        return registry.devices.index(forKey: deviceID) != nil
    }

    /// Advances time: fires pending durations, absences, re-notifications and `clear after` due at or before `now`.
    public func tick(now: EpochMillis) -> [RuleAction] {
        if resumedAt == nil { noteStart(now) }
        if now > latestNow { latestNow = now }
        var actions: [RuleAction] = []
        for index in slots.indices {
            let rule = ruleSet.rules[index]
            firePending(index, rule, now, &actions)
            confirmMembers(index, rule, now, &actions)
            releaseHeld(index, rule, now, &actions)
            tickActive(index, rule, now, &actions)
            if case .message = rule.trigger { continue }
            if slots[index].absenceCursor != nil || now >= slots[index].nextAbsenceCheck {
                checkAbsence(index, rule, now, &actions)
            }
        }
        return actions
    }

    /// Records an away note: `resident.away` is true until `until` (nil removes the note) for `deviceID`, which
    /// names a device or a resident id, and for every device of the same resident.
    public func setAway(deviceID: String, until: EpochMillis?) {
        if let until { away[deviceID] = until } else { away[deviceID] = nil }
        refreshAwayByResident()
        restartAbsenceChecks()
    }

    /// Replaces the rules, at the latest time the engine was given (see `replaceRules(_:now:)`).
    public func replaceRules(_ ruleSet: RuleSet) {
        replaceRules(ruleSet, now: latestNow == .min ? (resumedAt ?? 0) : latestNow)
    }

    /// Replaces the rules at `now` (a reload). A rule keeps its state when its name and the clauses that decide
    /// when it fires and clears are unchanged (its title, level, teams, deadlines may change). A rule whose
    /// conditions changed keeps its raised events (so its devices still clear, re-notify and escalate them) and
    /// starts everything else afresh at `now`: its absence timers count from `now`, never from a state it lost.
    /// A removed rule's state is dropped (its open events stay open for staff).
    public func replaceRules(_ ruleSet: RuleSet, now: EpochMillis) {
        if resumedAt == nil { noteStart(now) }
        let oldRules = self.ruleSet.rules
        var newSlots: [Slot] = []
        /// Per old position: the new position, and whether only the raised part of its states moves.
        var moves: [Int: (to: Int, raisedOnly: Bool)] = [:]
        for (position, rule) in ruleSet.rules.enumerated() {
            guard let old = slotIndex[rule.name] else {
                newSlots.append(Slot(armedAt: now))
                metaDirty = true
                continue
            }
            let previous = oldRules[old]
            if previous.conditionFingerprint == rule.conditionFingerprint {
                newSlots.append(slots[old])
                moves[old] = (position, false)
                continue
            }
            var slot = Slot(armedAt: now)
            metaDirty = true
            for (key, group) in slots[old].groups {
                dirty.insert(StateRef(rule: rule.name, key: key, isGroup: true))
                if previous.shape == rule.shape, group.active { slot.groups[key] = Self.raisedPart(of: group) }
            }
            if previous.shape == rule.shape { moves[old] = (position, true) }
            newSlots.append(slot)
        }
        for (old, rule) in oldRules.enumerated() where moves[old] == nil {
            for key in slots[old].groups.keys { dirty.insert(StateRef(rule: rule.name, key: key, isGroup: true)) }
            if case .message = rule.trigger {} else { droppedKeys.append(Self.armedKey(rule.name)) }
        }
        // Device state moves to the rule's new position, whole or as its raised part, or is dropped with its rule.
        let dropped = states.remapRules { old in moves[old]?.to }
        for (old, deviceID) in dropped { dirty.insert(StateRef(rule: oldRules[old].name, key: deviceID, isGroup: false)) }
        let reduced = Set(moves.values.filter(\.raisedOnly).map(\.to))
        if !reduced.isEmpty {
            for entry in states.liveEntries where reduced.contains(states.rule(of: entry)) {
                states[entry] = Self.raisedPart(of: states[entry])
                states.markDirty(entry)
            }
        }
        self.ruleSet = ruleSet
        self.slots = newSlots
        self.slotIndex = Dictionary(ruleSet.rules.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.layoutSlots = KeySegmentSlots(ruleSet.layout)
        self.candidates = CandidateRules(ruleSet.rules)
        rebuildTimers()
        restartAbsenceChecks()
    }

    /// What of a state outlives a change of its rule's conditions: that it is raised (level, last raise and
    /// notification, the raise itself), so the device clears, re-notifies and escalates the open event.
    static func raisedPart(of state: RuleKeyState) -> RuleKeyState {
        var kept = RuleKeyState()
        guard state.active else { return kept }
        kept.active = true
        kept.level = state.level
        kept.lastRaise = state.lastRaise
        kept.lastNotify = state.lastNotify
        kept.action = state.action
        kept.raisedFlapping = state.raisedFlapping
        return kept
    }

    /// Rebuilds every rule's timer sets (pending, active, held, pending groups) from the states.
    func rebuildTimers() {
        for index in slots.indices {
            slots[index].pending.removeAll()
            slots[index].activeDevices.removeAll()
            slots[index].held.removeAll()
            slots[index].activeGroups.removeAll()
            slots[index].pendingGroups.removeAll()
            slots[index].nextPendingDue = .min
            slots[index].nextHeldDue = .min
            slots[index].nextGroupDue = .min
        }
        for entry in states.liveEntries {
            let index = states.rule(of: entry)
            noteTimers(states[entry], rule: index, device: states.device(of: entry))
        }
        for index in slots.indices {
            for (key, group) in slots[index].groups {
                if group.active { slots[index].activeGroups.insert(key) }
                if group.members.contains(where: { !$0.counts }) { slots[index].pendingGroups.insert(key) }
            }
        }
    }

    /// Puts `device` in the timer sets of rule `index` that its state needs.
    func noteTimers(_ state: RuleKeyState, rule index: Int, device: DeviceIndex) {
        if state.pendingSince != nil {
            slots[index].pending.insert(device)
            slots[index].nextPendingDue = .min
        }
        if state.active { slots[index].activeDevices.insert(device) }
        if state.holdUntil != nil {
            slots[index].held.insert(device)
            slots[index].nextHeldDue = .min
        }
    }

    /// Notes the engine's first time: of this run, and (when no saved start was restored) ever.
    func noteStart(_ now: EpochMillis) {
        resumedAt = now
        if startedAt == nil {
            startedAt = now
            metaDirty = true
        }
    }

    /// Replaces the registry (a reload of `devices.csv`).
    public func replaceRegistry(_ registry: DeviceRegistry) {
        let previous = self.registry
        self.registry = registry
        states.refreshRecords(registry)
        if !away.isEmpty { refreshAwayByResident() }
        carryResidentStates(from: previous)
        restartAbsenceChecks()
    }

    // MARK: Lookup

    private func record(_ context: inout EvaluationContext, in index: Int) {
        slots[index].counters.missingFields += context.missingFields
        slots[index].counters.wrongTypes += context.wrongTypes
        slots[index].counters.errors += context.errors
    }

    /// Whether local-time limits, `unless` and `unless recently` let a trigger through.
    private func allows(_ index: Int, _ rule: CompiledRule, _ state: RuleKeyState?, _ context: inout EvaluationContext) -> Bool {
        var allowed = true
        if let window = rule.window, !window.contains(context.now) { allowed = false }
        if allowed, let unless = rule.unless, unless.isTrue(in: &context) { allowed = false }
        if allowed, let recently = rule.recently, let at = state?.recentAt, context.now.minus(at) <= recently.withinMillis { allowed = false }
        if !allowed { slots[index].counters.suppressed += 1 }
        return allowed
    }

    // MARK: Actions

    /// A raise for `key`, templates expanded in `context`.
    private func makeRaise(_ rule: CompiledRule, key: String, group: String, kind: String, topic: String, payloadText: String,
                           _ context: inout EvaluationContext) -> RuleAction {
        let teams = Self.teams(rule.teams, in: &context)
        var action = RuleAction(
            effect: .raise, rule: rule.name, eventKey: "\(rule.name)/\(key)", deviceID: context.deviceID, kind: kind, group: group,
            level: rule.level, escalateTo: rule.escalateTo, title: rule.title.render(in: &context),
            description: rule.description.render(in: &context), teams: teams, ackWithinSeconds: rule.ackWithinSeconds,
            onsiteWithinSeconds: rule.onsiteWithinSeconds, payloadText: payloadText, topic: topic, at: context.now)
        action.mergeWithinSeconds = rule.mergeWithinMillis.map { $0 / 1000 }
        action.escalation = rule.fixedEscalation ?? rule.escalation.map { $0.resolved(teams: Self.teams($0.teams, in: &context)) }
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
    private func raise(_ index: Int, _ rule: CompiledRule, _ action: RuleAction, _ state: inout RuleKeyState,
                       key: String, device: DeviceIndex?, _ actions: inout [RuleAction]) {
        var action = action
        // From the rule in force, also for a raise built earlier (a `for` hold, restored state).
        action.lifeSafety = rule.lifeSafety
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
        if rule.renotifyMillis != nil || rule.clearAfterMillis != nil {
            if let device { slots[index].activeDevices.insert(device) } else { slots[index].activeGroups.insert(key) }
        }
    }

    /// A follow-up action (clear, downgrade, re-notify) of the key's last raise.
    private func followUp(_ effect: RuleAction.Effect, of state: RuleKeyState, rule: CompiledRule, key: String,
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
    private func deactivate(_ index: Int, _ state: inout RuleKeyState, key: String, device: DeviceIndex?) {
        Self.clearActive(&state)
        if let device { slots[index].activeDevices.remove(device) } else { slots[index].activeGroups.remove(key) }
    }

    /// Forgets that `state` is raised, with its window and group members.
    private static func clearActive(_ state: inout RuleKeyState) {
        state.active = false
        state.raisedFlapping = false
        state.action = nil
        state.window.removeAll()
        state.members.removeAll()
    }

    // MARK: Device rules

    /// A device's own sequence (the order of its onset and clear, `count` and `flapping` windows,
    /// `unless recently`) follows its time (`occurredAt`: the payload's `ts` when plausible); timers, deadlines
    /// and actions follow the engine's arrival clock (`context.now`): a debounce runs out after the report that
    /// started it arrived, so a late report is never overdue before anyone could see it.
    private func processDevice(_ index: Int, _ rule: CompiledRule, _ message: InboundMessage, _ device: DeviceIndex,
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
        if let recently = rule.recently {
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
        if let condition = rule.whereCondition, !condition.isTrue(in: &context) { return }
        if state.active || state.pendingSince != nil || rule.flapping != nil, let clear = rule.clearWhen, clear.isTrue(in: &context) {
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
        if state.active, let downgrade = rule.downgrade, state.level > downgrade.level, downgrade.condition.isTrue(in: &context) {
            state.level = downgrade.level
            actions.append(followUp(.downgrade, of: state, rule: rule, key: key, at: context.now, topic: message.topic, payloadText: message.payloadText))
            changed = true
            return
        }
        let immediate = rule.atOnce?.isTrue(in: &context) ?? false
        guard immediate || (rule.when?.isTrue(in: &context) ?? false) else { return }
        guard allows(index, rule, existing, &context) else { return }
        if let flapping = rule.flapping, !state.conditionOn {
            state.conditionOn = true
            changed = true
            notePulse(index, rule, flapping, &state, key: key, device: device, message, &context, &actions)
        }
        if let count = rule.count {
            Self.insertTime(occurred, into: &state.window, within: count.withinMillis, keeping: count.n)
            changed = true
            guard state.window.count >= count.n || state.active else { return }
            context.count = state.window.count
        }
        // While flapping, only a pulse that holds for the debounce raises (to the rule's level).
        if let hold = rule.holdForMillis, !immediate, !state.active || state.flapping {
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
    private static func insertTime(_ time: EpochMillis, into times: inout [EpochMillis], within: Int64, keeping n: Int) {
        let position = times.lastIndex(where: { $0 <= time }).map { $0 + 1 } ?? 0
        times.insert(time, at: position)
        let stale = times[times.count - 1].minus(within)
        if times[0] <= stale { times.removeAll { $0 <= stale } }
        if times.count > n { times.removeFirst(times.count - n) }
    }

    /// Forgets a pending `for` (the condition cleared before it held).
    private func cancelPending(_ index: Int, _ state: inout RuleKeyState, device: DeviceIndex) {
        guard state.pendingSince != nil else { return }
        state.pendingSince = nil
        state.pendingDue = nil
        state.pendingRaise = nil
        slots[index].pending.remove(device)
    }

    // MARK: Flapping

    /// Why a flapping event is upgraded to the rule's own (its timeline says it).
    static let heldAfterFlapping = "an alarm held past its debounce after flapping"

    /// A pulse of a rule with `flapping`: the device's condition came on again. Clears are held back until the
    /// window has passed without a pulse; at N pulses within the window the device is flapping, and when
    /// nothing is raised for it yet, one event is raised at the flapping level (never lower than what is raised).
    private func notePulse(_ index: Int, _ rule: CompiledRule, _ flapping: CompiledRule.Flapping, _ state: inout RuleKeyState,
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
    private func conditionCleared(_ index: Int, _ rule: CompiledRule, _ state: inout RuleKeyState, key: String, device: DeviceIndex,
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
    private func releaseHeld(_ index: Int, _ rule: CompiledRule, _ now: EpochMillis, _ actions: inout [RuleAction]) {
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
    private func processCorrelation(_ index: Int, _ rule: CompiledRule, _ message: InboundMessage, _ context: inout EvaluationContext,
                                    _ actions: inout [RuleAction]) {
        guard let correlate = rule.correlate else { return }
        if let condition = rule.whereCondition, !condition.isTrue(in: &context) { return }
        guard let group = group(correlate, &context) else { return }
        let key = group.key
        let occurred = message.occurredAt
        // Without `clear when`, a message that does not trigger changes nothing worth saving: the window is
        // applied again whenever the group is used (and `sweepGroups` forgets groups gone quiet).
        let triggered: Bool? = rule.clearWhen == nil ? rule.when?.isTrue(in: &context) ?? false : nil
        if triggered == false { return }
        if slots[index].groups[key] == nil, slots[index].groups.count >= maxUnregisteredDevices {
            sweepGroups(index, rule, now: occurred, within: correlate.withinMillis)
        }
        var state = slots[index].groups[key] ?? RuleKeyState()
        let newest = state.members.reduce(occurred) { max($0, $1.at) }
        let stale = newest.minus(correlate.withinMillis)
        let pruned = state.members.contains { $0.at <= stale }
        if pruned { state.members.removeAll { $0.at <= stale } }
        if let clear = rule.clearWhen, clear.isTrue(in: &context) {
            // A late report of a moment before the device's condition began does not take it out.
            state.members.removeAll { $0.device == context.deviceID && $0.since <= occurred }
            // With `clear after`, the group's event lasts that long (a confirmed fire is not over because its
            // detectors went quiet); without it, it clears when no member counts any more.
            if state.active, rule.clearAfterMillis == nil, !state.members.contains(where: \.counts) {
                actions.append(followUp(.clear, of: state, rule: rule, key: key, at: context.now, topic: message.topic, payloadText: message.payloadText))
                slots[index].counters.cleared += 1
                deactivate(index, &state, key: key, device: nil)
            }
            storeGroup(state, index, rule, key: key)
            return
        }
        guard triggered ?? rule.when?.isTrue(in: &context) ?? false, allows(index, rule, nil, &context) else {
            if pruned { storeGroup(state, index, rule, key: key) }
            return
        }
        let position: Int
        if let found = state.members.firstIndex(where: { $0.device == context.deviceID }) {
            position = found
            // Its `for` runs out on the arrival clock (`confirmMembers`), as a device rule's debounce does.
            state.members[position].at = max(state.members[position].at, occurred)
        } else {
            let due = rule.holdForMillis.map { context.now.plus($0) }
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
    private func confirmMembers(_ index: Int, _ rule: CompiledRule, _ now: EpochMillis, _ actions: inout [RuleAction]) {
        guard let correlate = rule.correlate, !slots[index].pendingGroups.isEmpty, now >= slots[index].nextGroupDue else { return }
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
                let label = group?.label ?? key.replacingOccurrences(of: "=", with: " ").replacingOccurrences(of: ",", with: ", ")
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

    // MARK: Absence rules

    private func processPresence(_ index: Int, _ rule: CompiledRule, _ message: InboundMessage, _ deviceSlot: DeviceIndex,
                                 _ context: inout EvaluationContext, _ actions: inout [RuleAction]) {
        guard context.device != nil else { return }
        if rule.perResident {
            // `where` picks the devices whose residents are watched (in `checkAbsence`); an action on another device
            // of theirs (their call button) counts too. A device without a resident id is its own resident, and
            // not watched: nothing to note (decided before `when`, which reads the payload).
            if let condition = rule.whereCondition, !condition.isTrue(in: &context), context.device?.residentID.isEmpty ?? true { return }
            if let when = rule.when, !when.isTrue(in: &context) { return }
        } else {
            if case .absent = rule.trigger, let when = rule.when, !when.isTrue(in: &context) { return }
            if let condition = rule.whereCondition, !condition.isTrue(in: &context) { return }
        }
        let key = context.deviceID
        let limit = absenceLimit(rule, reportIntervalSeconds: states.devices[Int(deviceSlot)].reportIntervalSeconds) ?? 0
        let granularity = min(60_000, max(1, limit / 16))
        if rule.perResident || !slots[index].groups.isEmpty {
            processResidentPresence(index, rule, message, deviceSlot, granularity, &context, &actions)
            if rule.perResident { return }
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
        if rule.perResident {
            switch Self.noteSeen(&slots[index].groups[key, default: RuleKeyState()], now: context.now, granularity: granularity) {
            case .recentlySaved:
                break
            case .saved:
                dirty.insert(StateRef(rule: rule.name, key: key, isGroup: true))
            case .cleared(let raised):
                actions.append(followUp(.clear, of: raised, rule: rule, key: key, at: context.now, topic: message.topic,
                                        payloadText: message.payloadText))
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
    private func checkAbsence(_ index: Int, _ rule: CompiledRule, _ now: EpochMillis, _ actions: inout [RuleAction]) {
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
            if rule.perResident {
                // `where` first: it leaves out most devices (their call buttons), before any look-up by resident.
                var context = EvaluationContext(payload: JSONObject(), segments: segments, deviceID: id, device: entry,
                                                awayUntil: awayUntil(id, device), now: now)
                defer { record(&context, in: index) }
                if let condition = rule.whereCondition, !condition.isTrue(in: &context) { continue }
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
            if let condition = rule.whereCondition, !condition.isTrue(in: &context) { continue }
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
    private static func registrySegments(id: String, _ device: DeviceRecord) -> TopicSegments {
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

    // MARK: Timers

    private func firePending(_ index: Int, _ rule: CompiledRule, _ now: EpochMillis, _ actions: inout [RuleAction]) {
        guard let hold = rule.holdForMillis, !slots[index].pending.isEmpty, now >= slots[index].nextPendingDue else { return }
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

    private func tickActive(_ index: Int, _ rule: CompiledRule, _ now: EpochMillis, _ actions: inout [RuleAction]) {
        guard rule.renotifyMillis != nil || rule.clearAfterMillis != nil else { return }
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
        if let after = rule.clearAfterMillis, now >= state.lastRaise.plus(after) {
            actions.append(followUp(.clear, of: state, rule: rule, key: key, at: now))
            slots[index].counters.cleared += 1
            deactivate(index, &state, key: key, device: device)
        } else if let every = rule.renotifyMillis, now >= state.lastNotify.plus(every) {
            actions.append(followUp(.renotify, of: state, rule: rule, key: key, at: now))
            state.lastNotify = now
        } else {
            return false
        }
        return true
    }

    /// Devices in the order of their ids (timers fire in the same order as ever).
    private func sortedByID(_ devices: some Collection<DeviceIndex>) -> [DeviceIndex] {
        devices.sorted { states.devices[Int($0)].id < states.devices[Int($1)].id }
    }

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

    private func trackUnregistered(_ deviceID: String) {
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

extension Int64 {
    /// `self + other`, stopping at the bounds instead of trapping (saved state may hold any value).
    func plus(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
    /// `self - other`, stopping at the bounds instead of trapping.
    func minus(_ other: Int64) -> Int64 {
        let (difference, overflow) = subtractingReportingOverflow(other)
        return overflow ? (other < 0 ? .max : .min) : difference
    }
}

/// Positions of the segments read for every message (by the engine, and by the daemon's input checks), in a
/// topic layout; -1 for a segment the layout does not have. `TopicSegments.value(_:slot:)` takes them.
public struct KeySegmentSlots: Sendable {
    /// Position of `{kind}`.
    public var kind: Int
    /// Position of `{device}`.
    public var device: Int
    /// Position of `{channel}`.
    public var channel: Int
    /// Position of `{community}`.
    public var community: Int

    /// The positions in `layout`.
    public init(_ layout: TopicLayout) {
        kind = layout.slot(of: "kind") ?? -1
        device = layout.slot(of: "device") ?? -1
        channel = layout.slot(of: "channel") ?? -1
        community = layout.slot(of: "community") ?? -1
    }
}

/// Unregistered devices in order of last sight, for eviction: O(1) amortised per touch.
struct UnregisteredDevices {
    private var latest: [String: Int] = [:]
    private(set) var queue: [(device: String, stamp: Int)] = []
    private var head = 0
    private var stamp = 0

    var count: Int { latest.count }

    mutating func touch(_ device: String) {
        stamp += 1
        latest[device] = stamp
        queue.append((device, stamp))
        if queue.count - head > 2 * latest.count + 1024 {
            queue = latest.map { ($0.key, $0.value) }.sorted { $0.stamp < $1.stamp }
            head = 0
        }
    }

    mutating func evictOldest() -> String? {
        // Drop the consumed front once it is most of the queue: at the cap every touch evicts one, so
        // without this the queue grew by one entry per message from a new device, forever (issue 14 item 8).
        if head > 1024 && head > queue.count / 2 {
            queue.removeFirst(head)
            head = 0
        }
        while head < queue.count {
            let entry = queue[head]
            head += 1
            if latest[entry.device] == entry.stamp {
                latest[entry.device] = nil
                return entry.device
            }
        }
        return nil
    }
}
