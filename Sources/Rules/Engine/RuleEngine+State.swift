import Vocabulary

/// Durable state: compact binary values per `rule/key`, written with each batch and read back at start.
extension RuleEngine {
    /// Format version of saved values. Version 2 keys a state by its rule's condition fingerprint and shape
    /// (version 1, still read, by the fingerprint of the whole rule text); version 3 adds each correlation
    /// member's kind (versions 1 and 2 are still read, their members of no kind); version 4 adds a pending raise's
    /// escalation chain (earlier versions read with none).
    static let stateVersion: UInt8 = 4
    /// Versions whose `@` entries (first start, absence rules in force) read as today's: their format has not
    /// changed since version 2.
    static let metaVersions: ClosedRange<UInt8> = 2...stateVersion
    /// Storage key of the engine's first start (`@` never begins a rule name).
    static let startedKey = "@started"
    /// Storage key of the time rule `rule` came into force as it now reads (absence rules).
    static func armedKey(_ rule: String) -> String { "@armed/" + rule }

    /// State changed since the last call, to be committed with the same batch's events.
    public func takeStateChanges() -> [RuleStateChange] {
        guard !dirty.isEmpty || !droppedKeys.isEmpty || states.hasDirty || metaDirty else { return [] }
        var changes: [RuleStateChange] = []
        if metaDirty {
            metaDirty = false
            changes += metaChanges()
        }
        changes.reserveCapacity(dirty.count + droppedKeys.count + states.dirtyCount)
        // Each key once, in no particular order: the store logs them per batch and sorts when it folds the log.
        // Device keys marked both in `dirty` (a forgotten device, a changed rule) and in the state table are
        // taken from `dirty`, which reads the current state.
        let rewrittenDevices = Set(dirty.lazy.filter { !$0.isGroup }.map(\.storageKey))
        let rules = ruleSet.rules
        states.takeDirty { index, deviceID, state in
            let rule = rules[index]
            let key = Self.storageKey(rule: rule.name, key: deviceID)
            if !rewrittenDevices.isEmpty, rewrittenDevices.contains(key) { return }
            changes.append(RuleStateChange(key: key, value: state.isEmpty ? nil : encode(state, rule: rule, isGroup: false)))
        }
        if !droppedKeys.isEmpty {
            let rewritten = Set(changes.map(\.key)).union(dirty.map(\.storageKey))
            for key in droppedKeys where !rewritten.contains(key) { changes.append(RuleStateChange(key: key, value: nil)) }
            droppedKeys.removeAll()
        }
        for ref in dirty {
            guard let index = slotIndex[ref.rule] else {
                changes.append(RuleStateChange(key: ref.storageKey, value: nil))
                continue
            }
            let state = ref.isGroup ? slots[index].groups[ref.key] : states.device(ref.key).flatMap { states.state(rule: index, device: $0) }
            guard let state, !state.isEmpty else {
                changes.append(RuleStateChange(key: ref.storageKey, value: nil))
                continue
            }
            changes.append(RuleStateChange(key: ref.storageKey, value: encode(state, rule: ruleSet.rules[index], isGroup: ref.isGroup)))
        }
        dirty.removeAll(keepingCapacity: true)
        return changes
    }

    /// The engine's first start and, for each absence rule, when it came into force as it now reads.
    private func metaChanges() -> [RuleStateChange] {
        guard let startedAt else { return [] }
        var changes: [RuleStateChange] = []
        var w = StateWriter()
        w.byte(Self.stateVersion)
        w.int(startedAt)
        changes.append(RuleStateChange(key: Self.startedKey, value: w.bytes))
        for (index, rule) in ruleSet.rules.enumerated() where rule.shape == .absence {
            var w = StateWriter()
            w.byte(Self.stateVersion)
            w.uint64(rule.conditionFingerprint)
            w.int(max(startedAt, slots[index].armedAt ?? startedAt))
            changes.append(RuleStateChange(key: Self.armedKey(rule.name), value: w.bytes))
        }
        return changes
    }

    /// `rule/key`, the key under which the daemon stores a state (as `StateRef.storageKey`, built from bytes).
    static func storageKey(rule: String, key: String) -> String {
        var rule = rule, key = key
        return rule.withUTF8 { ruleBytes in
            key.withUTF8 { keyBytes in
                let count = ruleBytes.count + 1 + keyBytes.count
                return String(unsafeUninitializedCapacity: count) { buffer in
                    _ = buffer.initialize(fromContentsOf: ruleBytes)
                    buffer[ruleBytes.count] = UInt8(ascii: "/")
                    _ = UnsafeMutableBufferPointer(rebasing: buffer[(ruleBytes.count + 1)...]).initialize(fromContentsOf: keyBytes)
                    return count
                }
            }
        }
    }

    /// Restores state saved by earlier `takeStateChanges()` calls (at start, before any message).
    /// A rule whose conditions are unchanged gets its whole state back; one whose conditions changed while the
    /// daemon was down keeps its raised events only (as on a reload); entries of removed rules and unreadable
    /// entries are dropped (and deleted by the next `takeStateChanges()`). The saved first start is restored:
    /// absence timers of devices never seen count from it (or from when their rule came into force), not from
    /// `now`; absence alarms still wait `startGrace` after `now`.
    public func restoreState(_ entries: [(key: String, value: [UInt8])], now: EpochMillis) {
        restoreState(now: now) { restore in
            for entry in entries { restore(entry.key, entry.value) }
        }
    }

    /// Restores saved state one entry at a time, as `feed` hands the entries to the function it is given
    /// (straight from a database query, so a million entries are never held at once); otherwise as
    /// `restoreState(_:now:)`. Entries sorted by key restore fastest (one rule name look-up per rule).
    public func restoreState<Failure: Error>(
        now: EpochMillis, from feed: (_ restore: (_ key: String, _ value: [UInt8]) -> Void) throws(Failure) -> Void
    ) throws(Failure) {
        startedAt = nil
        resumedAt = now
        if now > latestNow { latestNow = now }
        var armed: [String: (fingerprint: UInt64, at: EpochMillis)] = [:]
        var lastRule: (name: String, index: Int?) = ("", nil)
        try feed { storageKey, value in
            if storageKey.utf8.first == UInt8(ascii: "@") {
                restoreMeta(storageKey, value, into: &armed)
                return
            }
            guard let slash = storageKey.utf8.firstIndex(of: UInt8(ascii: "/")) else {
                drop(storageKey)
                return
            }
            let ruleName = storageKey[..<slash]
            if ruleName != lastRule.name {
                let name = String(ruleName)
                lastRule = (name, slotIndex[name])
            }
            var reader = StateReader(bytes: value)
            guard let index = lastRule.index, let decoded = decode(&reader, rule: ruleSet.rules[index]) else {
                drop(storageKey)
                return
            }
            let key = String(storageKey[storageKey.index(after: slash)...])
            var state = decoded.state
            state.savedLastSeen = state.lastSeen
            if decoded.isGroup {
                slots[index].groups[key] = state
                if state.active { slots[index].activeGroups.insert(key) }
                if state.members.contains(where: { !$0.counts }) { slots[index].pendingGroups.insert(key) }
            } else {
                restoreDeviceState(state, rule: index, deviceID: key)
            }
            // Kept in part (its rule's conditions changed): written again in the current format.
            if decoded.reduced { dirty.insert(StateRef(rule: ruleSet.rules[index].name, key: key, isGroup: decoded.isGroup)) }
        }
        if startedAt == nil {
            startedAt = now
            metaDirty = true
        }
        let started = startedAt ?? now
        for (index, rule) in ruleSet.rules.enumerated() {
            guard rule.shape == .absence else { continue }
            if let saved = armed[rule.name], saved.fingerprint == rule.conditionFingerprint {
                slots[index].armedAt = max(started, saved.at)
            } else {
                // New, or changed while the daemon was down: in force from now.
                slots[index].armedAt = now
                metaDirty = true
            }
        }
        for name in armed.keys where slotIndex[name].map({ ruleSet.rules[$0].shape != .absence }) ?? true {
            droppedKeys.append(Self.armedKey(name))
        }
        restartAbsenceChecks()
    }

    /// Restores an `@` entry: the engine's first start, or when an absence rule came into force.
    private func restoreMeta(_ storageKey: String, _ value: [UInt8], into armed: inout [String: (fingerprint: UInt64, at: EpochMillis)]) {
        var reader = StateReader(bytes: value)
        if storageKey == Self.startedKey {
            guard let version = reader.byte(), Self.metaVersions.contains(version), let at = reader.int(), reader.atEnd else {
                return drop(storageKey)
            }
            startedAt = at
            return
        }
        let prefix = Self.armedKey("")
        guard storageKey.hasPrefix(prefix), let version = reader.byte(), Self.metaVersions.contains(version),
              let fingerprint = reader.uint64(), let at = reader.int(), reader.atEnd else { return drop(storageKey) }
        armed[String(storageKey.dropFirst(prefix.count))] = (fingerprint, at)
    }

    /// Puts a restored state of device `deviceID` under rule `index` in place, with its timers.
    private func restoreDeviceState(_ state: RuleKeyState, rule index: Int, deviceID: String) {
        // The registry is asked only for a device seen first (most devices have state under one rule only, some
        // under up to three).
        let device = states.addDevice(deviceID, record: registry[deviceID])
        states[states.entryCreating(rule: index, device: device)] = state
        noteTimers(state, rule: index, device: device)
        if states.devices[Int(device)].record == nil { unregisteredOrder.touch(deviceID) }
    }

    /// Counts an unusable saved entry and schedules its deletion.
    private func drop(_ storageKey: String) {
        engineCounters.droppedStateEntries += 1
        droppedKeys.append(storageKey)
    }

    /// Version 2: version, the rule's condition fingerprint and shape, flags, level, times, window, members,
    /// the raise (while active, the raised one, else the pending one), and the pending raise of a raised key.
    func encode(_ state: RuleKeyState, rule: CompiledRule, isGroup: Bool) -> [UInt8] {
        var w = StateWriter()
        w.byte(Self.stateVersion)
        w.uint64(rule.conditionFingerprint)
        w.byte(rule.shape.rawValue)
        w.byte((isGroup ? 1 : 0) | (state.active ? 2 : 0) | (state.conditionOn ? 4 : 0) | (state.flapping ? 8 : 0)
               | (state.raisedFlapping ? 16 : 0))
        w.byte(UInt8(state.level.rank))
        w.int(state.lastRaise)
        w.int(state.lastNotify)
        w.optionalInt(state.pendingSince)
        w.optionalInt(state.pendingDue)
        w.optionalInt(state.holdUntil)
        w.optionalInt(state.lastSeen)
        w.optionalInt(state.recentAt)
        w.count(state.window.count)
        for t in state.window { w.int(t) }
        w.count(state.members.count)
        for m in state.members {
            w.string(m.device)
            w.string(m.kind)
            w.int(m.at)
            w.int(m.since)
            w.optionalInt(m.due)
        }
        // One raise, as format 2 always had it; a second only for a pending alarm over a raised (flapping) event.
        let raise = state.active ? state.action : state.pendingRaise
        let pendingOverRaised = state.active ? state.pendingRaise : nil
        w.byte((raise != nil ? 1 : 0) | (pendingOverRaised != nil ? 2 : 0))
        if let raise { w.action(raise) }
        if let pendingOverRaised { w.action(pendingOverRaised) }
        return w.bytes
    }

    /// Reads a saved state for `rule`: whole when it was saved under the rule's present conditions (version 2)
    /// or its present text (version 1); as its raised part (`reduced`) when the rule changed but keeps its
    /// shape; nil when unreadable or of another shape.
    func decode(_ r: inout StateReader, rule: CompiledRule) -> (state: RuleKeyState, isGroup: Bool, reduced: Bool)? {
        guard let version = r.byte(), (1...Self.stateVersion).contains(version), let fingerprint = r.uint64() else { return nil }
        var reduced = false
        if version == 1 {
            // Format 1 was keyed by the whole rule text: a rule edited since (an upgrade that ships edited
            // rules) keeps the raised part, when it is still a group rule for a group state and a device rule
            // for a device state (format 1 saved no more of its shape).
            reduced = fingerprint != rule.fingerprint
        } else {
            guard let shape = r.byte() else { return nil }
            if fingerprint != rule.conditionFingerprint {
                guard shape == rule.shape.rawValue else { return nil }
                reduced = true
            }
        }
        guard let flags = r.byte(), let level = r.byte(), Int(level) < AlertLevel.allCases.count,
              let lastRaise = r.int(), let lastNotify = r.int() else { return nil }
        if version == 1, reduced, (flags & 1 != 0) != (rule.shape == .group) { return nil }
        var state = RuleKeyState()
        state.active = flags & 2 != 0
        state.level = AlertLevel.allCases[Int(level)]
        if version >= 2 {
            state.conditionOn = flags & 4 != 0
            state.flapping = flags & 8 != 0
            state.raisedFlapping = state.active && flags & 16 != 0
        }
        // The fields kept out of line are set only when they differ from their default: most saved states
        // (a million devices' last report) have none, and each set replaces the out-of-line box.
        if lastRaise != 0 { state.lastRaise = lastRaise }
        if lastNotify != 0 { state.lastNotify = lastNotify }
        guard let pending = r.optionalInt() else { return nil }
        if let pending { state.pendingSince = pending }
        if version >= 2 {
            guard let due = r.optionalInt(), let hold = r.optionalInt() else { return nil }
            if let due { state.pendingDue = due }
            if let hold { state.holdUntil = hold }
        }
        guard let lastSeen = r.optionalInt(), let recent = r.optionalInt() else { return nil }
        state.lastSeen = lastSeen
        state.recentAt = recent
        guard let windowCount = r.count() else { return nil }
        var window: [EpochMillis] = []
        for _ in 0..<windowCount {
            guard let t = r.int() else { return nil }
            window.append(t)
        }
        if !window.isEmpty { state.window = window }
        guard let memberCount = r.count() else { return nil }
        var members: [RuleKeyState.Member] = []
        for _ in 0..<memberCount {
            guard let device = r.string(), let kind = version >= 3 ? r.string() : "", let at = r.int() else { return nil }
            var member = RuleKeyState.Member(device: device, kind: kind, at: at, since: at, due: nil)
            if version >= 2 {
                guard let since = r.int(), let due = r.optionalInt() else { return nil }
                member.since = since
                member.due = due
            }
            members.append(member)
        }
        if !members.isEmpty { state.members = members }
        guard let raises = r.byte(), raises & ~3 == 0 else { return nil }
        if raises & 1 != 0 {
            guard let action = r.action(version: version) else { return nil }
            if state.active { state.action = action } else { state.pendingRaise = action }
        }
        if raises & 2 != 0 {
            guard state.active, let action = r.action(version: version) else { return nil }
            state.pendingRaise = action
        } else if state.active, state.pendingSince != nil {
            // Saved before the two were kept apart: the one raise was the pending one.
            state.pendingRaise = state.action
        }
        guard r.atEnd else { return nil }
        if reduced {
            state = Self.raisedPart(of: state)
            if state.isEmpty { return nil }
        }
        return (state, flags & 1 != 0, reduced)
    }
}

/// Appends little-endian fields to a byte buffer.
struct StateWriter {
    var bytes: [UInt8] = {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        return bytes
    }()
    mutating func byte(_ b: UInt8) { bytes.append(b) }
    /// Little-endian, in one append rather than eight.
    mutating func uint64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func int(_ v: Int64) { uint64(UInt64(bitPattern: v)) }
    mutating func optionalInt(_ v: Int64?) {
        if let v { byte(1); int(v) } else { byte(0) }
    }
    mutating func count(_ n: Int) { uint64(UInt64(n)) }
    mutating func string(_ s: String) {
        count(s.utf8.count)
        bytes.append(contentsOf: s.utf8)
    }
    mutating func action(_ a: RuleAction) {
        // One by one, not through an array of the nine (an allocation per action saved).
        string(a.rule); string(a.eventKey); string(a.deviceID); string(a.kind); string(a.group)
        string(a.title); string(a.description); string(a.payloadText); string(a.topic)
        byte(UInt8(a.level.rank))
        byte(a.escalateTo.map { UInt8($0.rank) + 1 } ?? 0)
        count(a.teams.count)
        for team in a.teams { string(team) }
        optionalInt(a.ackWithinSeconds)
        optionalInt(a.onsiteWithinSeconds)
        optionalInt(a.mergeWithinSeconds)
        int(a.at)
        count(a.groupFields.count)
        for (label, value) in a.groupFields.sorted(by: { $0.key < $1.key }) {
            string(label)
            string(value)
        }
        count(a.escalation.count)
        for step in a.escalation {
            int(step.afterMillis)
            string(step.condition.rawValue)
            byte(step.level.map { UInt8($0.rank) + 1 } ?? 0)
            count(step.teams.count)
            for team in step.teams { string(team) }
            byte(step.reportIn ? 1 : 0)
        }
    }
}

/// Reads what `StateWriter` wrote; every read returns nil past the end (corrupt input never traps).
struct StateReader {
    let bytes: [UInt8]
    var position = 0
    var atEnd: Bool { position == bytes.count }

    mutating func byte() -> UInt8? {
        guard position < bytes.count else { return nil }
        defer { position += 1 }
        return bytes[position]
    }
    mutating func uint64() -> UInt64? {
        guard bytes.count - position >= 8 else { return nil }
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[position + i]) << UInt64(i * 8) }
        position += 8
        return v
    }
    mutating func int() -> Int64? { uint64().map { Int64(bitPattern: $0) } }
    /// Outer nil: unreadable; inner nil: absent.
    mutating func optionalInt() -> Int64?? {
        guard let flag = byte() else { return nil }
        if flag == 0 { return .some(nil) }
        guard flag == 1, let v = int() else { return nil }
        return .some(v)
    }
    mutating func count() -> Int? {
        guard let v = uint64(), v <= UInt64(bytes.count - position) else { return nil }
        return Int(v)
    }
    mutating func string() -> String? {
        guard let n = count(), bytes.count - position >= n else { return nil }
        defer { position += n }
        return String(decoding: bytes[position..<(position + n)], as: UTF8.self)
    }
    mutating func action(version: UInt8) -> RuleAction? {
        var strings: [String] = []
        for _ in 0..<9 {
            guard let s = string() else { return nil }
            strings.append(s)
        }
        guard let level = byte(), Int(level) < AlertLevel.allCases.count, let escalate = byte(), Int(escalate) <= AlertLevel.allCases.count,
              let teamCount = count() else { return nil }
        var teams: [String] = []
        for _ in 0..<teamCount {
            guard let team = string() else { return nil }
            teams.append(team)
        }
        guard let ack = optionalInt(), let onsite = optionalInt(), let merge = optionalInt(), let at = int() else { return nil }
        var action = RuleAction(effect: .raise, rule: strings[0], eventKey: strings[1], deviceID: strings[2], kind: strings[3],
                                group: strings[4], level: AlertLevel.allCases[Int(level)],
                                escalateTo: escalate == 0 ? nil : AlertLevel.allCases[Int(escalate) - 1],
                                title: strings[5], description: strings[6], teams: teams, ackWithinSeconds: ack,
                                onsiteWithinSeconds: onsite, payloadText: strings[7], topic: strings[8], at: at)
        action.mergeWithinSeconds = merge
        if version >= 2 {
            guard let fieldCount = count() else { return nil }
            for _ in 0..<fieldCount {
                guard let label = string(), let value = string() else { return nil }
                action.groupFields[label] = value
            }
        }
        if version >= 4 {
            guard let stepCount = count() else { return nil }
            for _ in 0..<stepCount {
                guard let after = int(), let conditionText = string(), let condition = RuleEscalationStep.Condition(rawValue: conditionText),
                      let level = byte(), Int(level) <= AlertLevel.allCases.count, let teamCount = count() else { return nil }
                var teams: [String] = []
                for _ in 0..<teamCount {
                    guard let team = string() else { return nil }
                    teams.append(team)
                }
                guard let reportIn = byte() else { return nil }
                action.escalation.append(RuleEscalationStep(
                    afterMillis: after, condition: condition, level: level == 0 ? nil : AlertLevel.allCases[Int(level) - 1],
                    teams: teams, reportIn: reportIn != 0))
            }
        }
        return action
    }
}
