import FoundationEssentials
import Glibc
import Vocabulary

/// Raising, repeating, clearing and downgrading events: the daemon's side of the store.
extension EventStore {
    /// Actor recorded for changes made by the daemon's rules.
    public static let daemonActor = "lookoutd"
    /// Actor recorded for changes reported by a device.
    public static let deviceActor = "device"

    /// Raises a new event for `trigger.eventKey`, or counts another occurrence on the open one.
    /// Returns the event after the change and whether it is new.
    ///
    /// With `trigger.mergeWithinSeconds` set and no open event for the key, a trigger that comes within
    /// that window of the last occurrence of the key's most recent event, when that event is cleared or
    /// resolved, reopens it (count + 1, `reopened` timeline entry) instead of raising a new one.
    ///
    /// A repeat raises the level (never lowers it), tightens deadlines not yet met when the level rises,
    /// and writes a `repeated` timeline entry at most every `StoreOptions.repeatedEntryIntervalMillis`;
    /// the count is exact. A repeat that raises the level, or has an `upgradeReason`, gives the event its title
    /// (an `upgraded` entry); one at the same level or lower never retitles it.
    @discardableResult
    public func raise(_ trigger: EventTrigger) throws -> (event: EventRecord, created: Bool) {
        try raise(trigger, actor: Self.daemonActor)
    }

    /// `raise(_:)` with the actor recorded on the timeline.
    @discardableResult
    func raise(_ trigger: EventTrigger, actor: String) throws -> (event: EventRecord, created: Bool) {
        try transaction {
            if var existing = try cachedActiveEvent(key: trigger.eventKey) {
                try fold(trigger, into: &existing, actor: actor)
                if existing.record.silenced { try reconsiderSilence(of: &existing, after: trigger, actor: actor) }
                remember(existing)
                return (existing.record, false)
            }
            if var recent = try mergeableRecentEvent(for: trigger) {
                try reopenByRepeat(trigger, into: &recent, actor: actor)
                if recent.record.silenced { try reconsiderSilence(of: &recent, after: trigger, actor: actor) }
                remember(recent)
                return (recent.record, false)
            }
            let created = try create(trigger, actor: actor)
            remember(created)
            return (created.record, true)
        }
    }

    /// Files a manual report by staff (`lookout report`) through the same path as rule events.
    /// `deviceID` names the device concerned, if any (then device silences apply and
    /// `lookout events`/`show` list it under that device).
    @discardableResult
    public func report(kind: String, level: AlertLevel, location: EventLocation, deviceID: String = "", title: String,
                       description: String, actor: String, at: EpochMillis) throws -> EventRecord {
        let trigger = EventTrigger(
            rule: "manual", eventKey: "manual/\(actor)/\(at)/\(UUID().uuidString)", level: level, kind: kind,
            deviceID: deviceID, location: location, title: title, description: description, at: at)
        return try raise(trigger, actor: actor).event
    }

    /// Marks the open event for `eventKey` cleared by the device; nil when none is open.
    /// Green and yellow cleared events leave the open list; red ones stay listed until a person closes them.
    @discardableResult
    public func clear(eventKey: String, at: EpochMillis, note: String) throws -> EventRecord? {
        try transaction {
            guard var event = try cachedActiveEvent(key: eventKey) else { return nil }
            let previous = event
            event.record.status = .cleared
            event.record.updatedAt = at
            try update(event, previous: previous)
            try recordChange(event, action: "cleared", actor: Self.deviceActor, note: note, at: at)
            return event.record
        }
    }

    /// Lowers the open event for `eventKey` to `level`, keeping it and its record; nil when none is open.
    /// An event already at or below `level` is returned unchanged.
    @discardableResult
    public func downgrade(eventKey: String, to level: AlertLevel, at: EpochMillis, note: String) throws -> EventRecord? {
        try transaction {
            guard var event = try cachedActiveEvent(key: eventKey) else { return nil }
            guard level < event.record.level else { return event.record }
            let previous = event
            event.record.level = level
            event.record.updatedAt = at
            try update(event, previous: previous)
            remember(event)
            let reason = "level \(previous.record.level.rawValue) → \(level.rawValue)" + (note.isEmpty ? "" : ": \(note)")
            try recordChange(event, action: "downgraded", actor: Self.deviceActor, note: reason, at: at)
            return event.record
        }
    }

    /// Re-notifies the open event for `eventKey` while nobody has taken it: a `renotified` change-feed
    /// entry and outbox row (no timeline entry). Nil when no open, unacknowledged event exists.
    @discardableResult
    public func renotify(eventKey: String, at: EpochMillis) throws -> EventRecord? {
        try transaction {
            guard let event = try cachedActiveEvent(key: eventKey), event.record.status == .open else { return nil }
            try recordChange(event, action: "renotified", actor: Self.daemonActor, note: "", at: at, timeline: false)
            // Relatives are told once, by the step that brings them in; reminders until someone takes it are for staff.
            try queueNotifications(for: event, targets: TeamName.staff(event.record.teams), step: 0, attempt: nil, reason: "renotified", at: at)
            return event.record
        }
    }

    /// Creates the event for a trigger with no open event.
    private func create(_ trigger: EventTrigger, actor: String) throws -> StoredEvent {
        let windows = deadlineWindows(level: trigger.level, acknowledgeSeconds: trigger.ackWithinSeconds,
                                      onsiteSeconds: trigger.onsiteWithinSeconds)
        let silence = try coveringSilence(deviceID: trigger.deviceID, location: trigger.location, kind: trigger.kind,
                                          rule: trigger.rule, at: trigger.at)
        // A silence never hides a red event of a life-safety rule: shown, marked with the maintenance reason.
        let shownAnyway = silence != nil && trigger.lifeSafety && trigger.level == .red
        let record = EventRecord(
            id: "", rule: trigger.rule, eventKey: trigger.eventKey, level: trigger.level, initialLevel: trigger.level,
            escalateTo: trigger.escalateTo, status: .open, kind: trigger.kind, deviceID: trigger.deviceID,
            group: trigger.group, location: trigger.location, title: trigger.title, description: trigger.description,
            teams: trigger.teams, assignee: "", topic: trigger.topic, payload: trigger.payload,
            firstSeen: trigger.at, lastSeen: trigger.at, count: 1,
            ackDeadline: windows.acknowledge.map { Self.adding(trigger.at, $0) },
            onsiteDeadline: windows.onsite.map { Self.adding(trigger.at, $0) },
            overdue: false, silenced: silence != nil && !shownAnyway, updatedAt: trigger.at, maintenance: silence?.reason,
            occurredAt: trigger.occurredAt)
        var event = StoredEvent(
            rowID: 0, record: record, acknowledgeWithin: windows.acknowledge, onsiteWithin: windows.onsite,
            acknowledgedAt: nil, onsiteAt: nil, resolvedAt: nil, closedAt: nil, acknowledgeEscalated: false,
            onsiteEscalated: false, mergedInto: nil, repeatLoggedAt: trigger.at)
        event.rowID = try insert(event, emergencyPhone: trigger.emergencyPhone)
        event.record.id = StoredEvent.readableID(event.rowID)
        if !trigger.escalation.isEmpty { try scheduleSteps(trigger.escalation, for: event, from: trigger.at) }
        var notes: [String] = []
        if record.raisedAfterOccurrence != nil, let occurredAt = record.occurredAt {
            notes.append("happened \(Self.formatTime(occurredAt)) by the device's clock")
        }
        if let silence {
            notes.append(shownAnyway
                ? "during maintenance: \(silence.reason) (silence #\(silence.id) until \(Self.formatTime(silence.until))); shown: a silence never hides a red event of a life-safety rule"
                : "silenced by silence #\(silence.id) until \(Self.formatTime(silence.until)): \(silence.reason)")
        }
        try recordChange(event, action: "raised", actor: actor, note: notes.joined(separator: "; "), at: trigger.at)
        try queueNotifications(for: event, targets: record.teams, step: 0, attempt: 1, reason: "raised", at: trigger.at)
        return event
    }

    /// After a repeat of a hidden event: shows it when the repeat is a red one of a life-safety rule, or when no
    /// silence covers it any more (its silence ended and `releaseEndedSilences` has not run yet).
    private func reconsiderSilence(of event: inout StoredEvent, after trigger: EventTrigger, actor: String) throws {
        let reason = event.record.maintenance ?? ""
        if trigger.lifeSafety, event.record.level == .red {
            try unsilence(&event, at: trigger.at, actor: actor,
                          note: "during maintenance: \(reason); shown: a silence never hides a red event of a life-safety rule")
        } else if try coveringSilence(of: event.record, at: trigger.at) == nil {
            try unsilence(&event, at: trigger.at, actor: actor,
                          note: "the silence (\(reason)) has ended; shown now, deadlines run from now")
        }
    }

    /// Counts another occurrence on the open event.
    private func fold(_ trigger: EventTrigger, into event: inout StoredEvent, actor: String) throws {
        let previous = event
        event.record.count += 1
        event.record.lastSeen = max(event.record.lastSeen, trigger.at)
        event.record.updatedAt = max(event.record.updatedAt, trigger.at)
        var action: String?
        var note = ""
        let rises = trigger.level > event.record.level
        if rises || trigger.upgradeReason != nil {
            note = rises ? "level \(event.record.level.rawValue) → \(trigger.level.rawValue), count \(event.record.count)"
                : "level \(event.record.level.rawValue), count \(event.record.count)"
            if let reason = trigger.upgradeReason { note += ": \(reason)" }
            note += Self.retitle(&event, to: trigger.title)
            if rises {
                event.record.level = trigger.level
                tightenDeadlines(of: &event, for: trigger)
                try rearmLoweredSteps(of: event, at: trigger.at)
            }
            try scheduleStepsIfNone(trigger.escalation, for: event, from: trigger.at)
            action = "upgraded"
        } else if Self.elapsed(from: event.repeatLoggedAt, to: trigger.at) >= options.repeatedEntryIntervalMillis {
            note = "count \(event.record.count)"
            action = "repeated"
        }
        guard let action else {
            try updateOccurrence(event)
            return
        }
        event.repeatLoggedAt = max(event.repeatLoggedAt, trigger.at)
        try update(event, previous: previous)
        try recordChange(event, action: action, actor: actor, note: note, at: trigger.at)
        if rises, event.record.level == .red {
            try queueNotifications(for: event, targets: event.record.teams, step: 0, attempt: nil, reason: "upgraded", at: trigger.at)
        }
    }

    /// SQL of `mergeableRecentEvent(for:)`: the key's most recent event, whatever its status.
    private static let selectLatestByKey = "SELECT \(StoredEvent.columns) FROM events WHERE event_key = ? ORDER BY id DESC LIMIT 1"

    /// The key's most recent event when the trigger falls in its merge window and that event may be reopened
    /// by a repeat (cleared or resolved; closed and merged events are final for the device).
    private func mergeableRecentEvent(for trigger: EventTrigger) throws -> StoredEvent? {
        guard let seconds = trigger.mergeWithinSeconds, seconds > 0 else { return nil }
        guard let latest = try connection.cached(Self.selectLatestByKey).queryFirst([trigger.eventKey], StoredEvent.init(row:)),
              latest.record.status == .cleared || latest.record.status == .resolved else { return nil }
        let (window, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        let windowEnd = overflow ? EpochMillis.max : Self.adding(latest.record.lastSeen, window)
        return trigger.at >= latest.record.lastSeen && trigger.at <= windowEnd ? latest : nil
    }

    /// Folds a repeat within the merge window into a cleared or resolved event and opens it again:
    /// count + 1, last seen, level raised if the trigger's is higher, deadlines restarted.
    private func reopenByRepeat(_ trigger: EventTrigger, into event: inout StoredEvent, actor: String) throws {
        let before = event
        let previous = event.record.status
        event.record.count += 1
        event.record.lastSeen = max(event.record.lastSeen, trigger.at)
        event.record.updatedAt = max(event.record.updatedAt, trigger.at)
        var note = "repeated within \(trigger.mergeWithinSeconds ?? 0) s of the last occurrence reopened it (was \(previous.rawValue)), count \(event.record.count)"
        if trigger.level > event.record.level || trigger.upgradeReason != nil {
            if trigger.level > event.record.level { note += ", level \(event.record.level.rawValue) → \(trigger.level.rawValue)" }
            if let reason = trigger.upgradeReason { note += ": \(reason)" }
            note += Self.retitle(&event, to: trigger.title)
            event.record.level = max(event.record.level, trigger.level)
        }
        restartDeadlines(of: &event, at: trigger.at)
        try restartSteps(of: event, at: trigger.at)
        try scheduleStepsIfNone(trigger.escalation, for: event, from: trigger.at)
        event.record.status = .open
        event.repeatLoggedAt = max(event.repeatLoggedAt, trigger.at)
        try update(event, previous: before)
        try recordChange(event, action: EventAction.reopen.name, actor: actor, note: note, at: trigger.at)
        try queueNotifications(for: event, targets: event.record.teams, step: 0, attempt: nil, reason: "reopened", at: trigger.at)
    }

    /// Gives an upgraded event the title of the occurrence that upgraded it: the title says what the event is at
    /// its level (a flapping detector's event that goes red on a held alarm is a smoke alarm). Returns the note's
    /// addition naming the title it had, empty when unchanged.
    private static func retitle(_ event: inout StoredEvent, to title: String) -> String {
        guard !title.isEmpty, title != event.record.title else { return "" }
        let previous = event.record.title
        event.record.title = title
        return "; was titled “\(previous)”"
    }

    /// After a level rise, deadlines not yet met move earlier if the new level asks for less time.
    private func tightenDeadlines(of event: inout StoredEvent, for trigger: EventTrigger) {
        let windows = deadlineWindows(level: trigger.level, acknowledgeSeconds: trigger.ackWithinSeconds,
                                      onsiteSeconds: trigger.onsiteWithinSeconds)
        if event.acknowledgedAt == nil, !event.acknowledgeEscalated, let window = windows.acknowledge {
            let candidate = Self.adding(trigger.at, window)
            event.record.ackDeadline = min(event.record.ackDeadline ?? candidate, candidate)
            event.acknowledgeWithin = min(event.acknowledgeWithin ?? window, window)
        }
        if event.onsiteAt == nil, !event.onsiteEscalated, let window = windows.onsite {
            let candidate = Self.adding(trigger.at, window)
            event.record.onsiteDeadline = min(event.record.onsiteDeadline ?? candidate, candidate)
            event.onsiteWithin = min(event.onsiteWithin ?? window, window)
        }
    }

    /// Milliseconds allowed to acknowledge and to be on site: the trigger's own, else the level default.
    func deadlineWindows(level: AlertLevel, acknowledgeSeconds: Int64?, onsiteSeconds: Int64?)
        -> (acknowledge: EpochMillis?, onsite: EpochMillis?) {
        func millis(_ seconds: Int64?) -> EpochMillis? {
            guard let seconds else { return nil }
            let (product, overflow) = max(seconds, 0).multipliedReportingOverflow(by: 1000)
            return overflow ? EpochMillis.max / 2 : product
        }
        let policy = options.deadlines
        return (millis(acknowledgeSeconds ?? policy.acknowledgeWithinSeconds[level]),
                millis(onsiteSeconds ?? policy.onsiteWithinSeconds[level]))
    }

    /// `time + duration`, saturating instead of overflowing (times can come from device clocks).
    static func adding(_ time: EpochMillis, _ duration: EpochMillis) -> EpochMillis {
        let (sum, overflow) = time.addingReportingOverflow(duration)
        return overflow ? (duration > 0 ? EpochMillis.max : EpochMillis.min) : sum
    }

    /// `later - earlier`, saturating instead of overflowing.
    static func elapsed(from earlier: EpochMillis, to later: EpochMillis) -> EpochMillis {
        let (difference, overflow) = later.subtractingReportingOverflow(earlier)
        return overflow ? (later > earlier ? EpochMillis.max : EpochMillis.min) : difference
    }

    /// A time for a timeline note: UTC, ISO 8601 to the second (`2026-11-23T04:00:00Z`).
    /// Computed directly (no formatter object: escalations write many notes at once).
    static func formatTime(_ millis: EpochMillis) -> String {
        let seconds = millis / 1000 - (millis % 1000 < 0 ? 1 : 0)
        let days = seconds / 86_400 - (seconds % 86_400 < 0 ? 1 : 0)
        let secondOfDay = seconds - days * 86_400
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(width - digits.count, 0)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))Z"
    }
}
