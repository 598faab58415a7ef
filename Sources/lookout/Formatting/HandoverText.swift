import EventCore
import StaffAPI
import TerminalText
import Vocabulary

/// `lookout handover` as text and as JSON: one section per thing the next shift must know, each line led by what
/// staff type next (an event id, a silence or away note id, a device id), so that cutting a line to the terminal's
/// width never cuts that.
enum HandoverText {
    /// The summary's lines (not yet cut to a width), sanitised.
    static func lines(_ handover: ShiftHandover) -> [String] {
        var lines = [tr("Shift from %1$s to %2$s (%3$s)", TimeText.local(handover.since), TimeText.local(handover.until),
                        TimeText.span(milliseconds: handover.until - handover.since))]
        lines += lastHandover(handover.last)
        let overdue = handover.events.filter(\.overdue).count
        lines.append("")
        lines.append(tr("Open events: %1$d, overdue: %2$d", handover.events.count, overdue))
        for event in handover.events.sorted(by: eventOrder) {
            var parts = [event.id, EventText.levelWord(event.level), EventText.statusWord(event.status)]
            if event.overdue { parts.append(tr("OVERDUE")) }
            parts.append(event.deviceID.isEmpty ? "-" : event.deviceID)
            parts.append(EventText.place(event))
            parts.append(event.title)
            lines.append("  " + TextSanitizer.sanitize(parts.joined(separator: "  ")))
        }
        section(&lines, tr("Escalations: %1$d", handover.escalations.count), handover.escalations.map { entry in
            [entry.eventID, TimeText.local(entry.at), entry.note]
        })
        section(&lines, tr("Silences in force: %1$d", handover.silences.count), handover.silences.map { silence in
            ["#\(silence.id)", tr("until %1$s", TimeText.local(silence.until)), SilenceText.scope(silence.scope),
             silence.reason, tr("by %1$s", silence.actor)]
        })
        section(&lines, tr("Away notes in force: %1$d", handover.awayNotes.count), handover.awayNotes.map { note in
            ["#\(note.id)", note.subject, tr("until %1$s", TimeText.local(note.until)), note.reason, tr("by %1$s", note.actor)]
        })
        section(&lines, tr("Devices offline: %1$d", handover.offlineDevices.count), handover.offlineDevices.map { device in
            [device.id, device.kind, device.address.isEmpty ? [device.community, device.building, device.unit].filter { !$0.isEmpty }.joined(separator: "/") : device.address,
             device.lastSeen.map { tr("last heard %1$s", TimeText.local($0)) } ?? tr("never heard")]
        })
        section(&lines, tr("Notes during the shift: %1$d", handover.notes.count), handover.notes.map { entry in
            [entry.eventID, TimeText.local(entry.at), entry.actor, entry.note]
        })
        return lines
    }

    /// Red before yellow before green, overdue first within a level, then oldest first.
    private static func eventOrder(_ a: EventRecord, _ b: EventRecord) -> Bool {
        if a.level != b.level { return a.level > b.level }
        if a.overdue != b.overdue { return a.overdue }
        return a.firstSeen < b.firstSeen
    }

    /// A heading and its items, one line each; nothing but the heading when there are none.
    private static func section(_ lines: inout [String], _ heading: String, _ items: [[String]]) {
        lines.append("")
        lines.append(heading)
        for item in items {
            lines.append("  " + item.filter { !$0.isEmpty }.map { TextSanitizer.sanitize($0) }.joined(separator: "  "))
        }
    }

    /// Who handed over to whom, whether it was taken over, and what was written with it: one line each.
    static func lastHandover(_ record: ShiftHandover.Record?) -> [String] {
        guard let record else { return [tr("No handover recorded yet.")] }
        var lines = [tr("Last handover: %1$s to %2$s at %3$s", TextSanitizer.sanitize(record.from),
                        TextSanitizer.sanitize(record.to), TimeText.local(record.at))]
        if let at = record.acceptedAt {
            lines.append("  " + tr("taken over by %1$s at %2$s", TextSanitizer.sanitize(record.acceptedBy ?? ""), TimeText.local(at)))
        } else {
            lines.append("  " + tr("not yet taken over"))
        }
        if !record.note.isEmpty { lines.append("  " + tr("note: %1$s", TextSanitizer.sanitize(record.note))) }
        return lines
    }

    /// The stable JSON object (keys in this order; times in UTC ISO 8601). `operation`: what was done
    /// (`handover` only reads).
    static func json(_ handover: ShiftHandover, operation: APIOperation, actor: String) -> JSONOutput {
        .object([
            ("operation", .string(operation.rawValue)),
            ("actor", .string(actor)),
            ("since", .string(TimeText.iso(handover.since))),
            ("until", .string(TimeText.iso(handover.until))),
            ("last_handover", handover.last.map(json) ?? .null),
            ("events", .array(handover.events.sorted(by: eventOrder).map(EventText.json))),
            ("overdue", .array(handover.events.sorted(by: eventOrder).filter(\.overdue).map { .string($0.id) })),
            ("escalations", .array(handover.escalations.map(noteJSON))),
            ("silences", .array(handover.silences.map { silence in
                .object([
                    ("id", .integer(silence.id)),
                    ("device", .string(silence.scope.deviceID)), ("community", .string(silence.scope.community)),
                    ("building", .string(silence.scope.building)), ("kind", .string(silence.scope.kind)),
                    ("rule", .string(silence.scope.rule)),
                    ("created_at", .string(TimeText.iso(silence.createdAt))), ("until", .string(TimeText.iso(silence.until))),
                    ("reason", .string(silence.reason)), ("actor", .string(silence.actor)),
                ])
            })),
            ("away_notes", .array(handover.awayNotes.map { note in
                .object([
                    ("id", .integer(note.id)), ("subject", .string(note.subject)),
                    ("created_at", .string(TimeText.iso(note.createdAt))), ("until", .string(TimeText.iso(note.until))),
                    ("reason", .string(note.reason)), ("actor", .string(note.actor)),
                ])
            })),
            ("offline_devices", .array(handover.offlineDevices.map { device in
                .object([
                    ("id", .string(device.id)), ("kind", .string(device.kind)), ("community", .string(device.community)),
                    ("building", .string(device.building)), ("unit", .string(device.unit)),
                    ("address", .string(device.address)),
                    ("last_seen", .string(device.lastSeen.map(TimeText.iso))),
                ])
            })),
            ("notes", .array(handover.notes.map(noteJSON))),
        ])
    }

    /// A handover record as JSON.
    private static func json(_ record: ShiftHandover.Record) -> JSONOutput {
        .object([
            ("at", .string(TimeText.iso(record.at))),
            ("from", .string(record.from)),
            ("to", .string(record.to)),
            ("note", .string(record.note)),
            ("accepted_at", .string(record.acceptedAt.map(TimeText.iso))),
            ("accepted_by", .string(record.acceptedBy)),
        ])
    }

    /// A timeline entry with its event, as JSON.
    private static func noteJSON(_ entry: TimelineEntry) -> JSONOutput {
        .object([
            ("event", .string(entry.eventID)),
            ("at", .string(TimeText.iso(entry.at))),
            ("actor", .string(entry.actor)),
            ("action", .string(entry.action)),
            ("note", .string(entry.note)),
        ])
    }
}
