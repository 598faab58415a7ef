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
                if rule.conditions.correlate != nil {
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
}
