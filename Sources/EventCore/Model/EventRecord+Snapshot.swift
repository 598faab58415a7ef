/// The change feed's snapshot of an event: the JSON that `JSONEncoder` (sorted keys) would write for
/// `EventRecord`'s `Codable` form, written directly. One is written for every change of every event, in the
/// batch transaction, and `JSONEncoder` took about half of the cost of raising an event; readers decode it with
/// `JSONDecoder` as before (`EventStore.decodeSnapshot`).
extension EventRecord {
    /// The snapshot JSON: keys sorted, nil optionals left out, as `JSONEncoder` with `.sortedKeys` writes it.
    var snapshotJSON: String {
        var json = SnapshotWriter()
        json.object { json in
            json.field("ackDeadline", ackDeadline)
            json.field("assignee", assignee)
            json.field("count", Int64(count))
            json.field("description", description)
            json.field("deviceID", deviceID)
            json.field("escalateTo", escalateTo?.rawValue)
            json.field("eventKey", eventKey)
            json.field("firstSeen", firstSeen)
            json.field("group", group)
            json.field("id", id)
            json.field("initialLevel", initialLevel.rawValue)
            json.field("kind", kind)
            json.field("lastSeen", lastSeen)
            json.field("level", level.rawValue)
            json.key("location")
            json.object { json in
                json.field("address", location.address)
                json.field("building", location.building)
                json.field("community", location.community)
                json.field("emergencyContact", location.emergencyContact)
                json.field("grid", location.grid)
                json.field("owner", location.owner)
                json.field("registered", location.registered)
                json.field("residentName", location.residentName)
                json.field("residentPhone", location.residentPhone)
                json.field("unit", location.unit)
            }
            json.field("onsiteDeadline", onsiteDeadline)
            json.field("overdue", overdue)
            json.field("payload", payload)
            json.field("rule", rule)
            json.field("silenced", silenced)
            json.field("status", status.rawValue)
            json.key("teams")
            json.array(teams)
            json.field("title", title)
            json.field("topic", topic)
            json.field("updatedAt", updatedAt)
        }
        return json.text
    }
}

/// Appends JSON text: objects, string arrays and scalar fields, strings escaped per RFC 8259.
struct SnapshotWriter {
    /// The JSON written so far.
    private(set) var text = ""
    /// Whether the current object or array already has a member (a comma comes first).
    private var hasMember = false

    /// Writes `{`, the members written by `body`, `}`.
    mutating func object(_ body: (inout SnapshotWriter) -> Void) {
        text.append("{")
        hasMember = false
        body(&self)
        text.append("}")
        hasMember = true
    }

    /// Writes a member name and its colon.
    mutating func key(_ name: String) {
        if hasMember { text.append(",") }
        appendQuoted(name)
        text.append(":")
        hasMember = false
    }

    /// Writes a string member; nothing when nil.
    mutating func field(_ name: String, _ value: String?) {
        guard let value else { return }
        key(name)
        appendQuoted(value)
        hasMember = true
    }

    /// Writes an integer member; nothing when nil.
    mutating func field(_ name: String, _ value: Int64?) {
        guard let value else { return }
        key(name)
        text.append(String(value))
        hasMember = true
    }

    /// Writes a Boolean member.
    mutating func field(_ name: String, _ value: Bool) {
        key(name)
        text.append(value ? "true" : "false")
        hasMember = true
    }

    /// Writes an array of strings.
    mutating func array(_ values: [String]) {
        text.append("[")
        for (index, value) in values.enumerated() {
            if index > 0 { text.append(",") }
            appendQuoted(value)
        }
        text.append("]")
        hasMember = true
    }

    /// Writes a quoted string: `"` and `\` escaped, control characters as `\uXXXX` (or their short forms).
    private mutating func appendQuoted(_ value: String) {
        text.append("\"")
        var plainStart = value.utf8.startIndex
        for index in value.utf8.indices {
            let byte = value.utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            text.append(contentsOf: value[plainStart..<index])
            switch byte {
            case UInt8(ascii: "\""): text.append("\\\"")
            case UInt8(ascii: "\\"): text.append("\\\\")
            case 0x0A: text.append("\\n")
            case 0x0D: text.append("\\r")
            case 0x09: text.append("\\t")
            default:
                let hex = String(byte, radix: 16)
                text.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
            }
            plainStart = value.utf8.index(after: index)
        }
        text.append(contentsOf: value[plainStart...])
        text.append("\"")
    }
}
