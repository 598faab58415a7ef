import Vocabulary

/// The change feed's snapshot of an event: the JSON that `JSONEncoder` (sorted keys) would write for
/// `EventRecord`'s `Codable` form, written directly. One is written for every change of every event, in the
/// batch transaction, and `JSONEncoder` took about half of the cost of raising an event; readers decode it with
/// `JSONDecoder` as before (`EventStore.decodeSnapshot`).
extension EventRecord {
    /// The snapshot JSON: keys sorted, nil optionals left out, as `JSONEncoder` with `.sortedKeys` writes it.
    public var snapshotJSON: String { String(decoding: snapshotJSONBytes, as: UTF8.self) }

    /// The location's registry members whose keys sort before `registered`, and those after it (made once).
    private static let locationMembersBeforeRegistered = LocationMember.of(EventLocation.fields.filter { ($0.spec.locationKey ?? "") < "registered" })
    private static let locationMembersAfterRegistered = LocationMember.of(EventLocation.fields.filter { ($0.spec.locationKey ?? "") > "registered" })

    /// `snapshotJSON` as UTF-8 bytes (what the change feed stores).
    var snapshotJSONBytes: [UInt8] {
        var json = SnapshotWriter()
        json.object { json in
            json.field("ackDeadline", ackDeadline)
            json.field("assignee", assignee)
            json.field("cause", cause?.rawValue)
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
                // The registry fields the location keeps (the registry table), `registered` in its sorted place.
                for member in Self.locationMembersBeforeRegistered { json.field(member, of: location) }
                json.field("registered", location.registered)
                for member in Self.locationMembersAfterRegistered { json.field(member, of: location) }
            }
            json.field("maintenance", maintenance)
            json.field("occurredAt", occurredAt)
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
        return json.bytes
    }
}

/// A registry field of the event location as the snapshot writes it: the field, its member name as the bytes of
/// `"name":`, and whether its value is a number.
struct LocationMember {
    let field: RegistryField
    let key: [UInt8]
    let isNumber: Bool

    /// The members of `fields`, in their order.
    static func of(_ fields: [RegistryField]) -> [LocationMember] {
        fields.map { LocationMember(field: $0, key: Array("\"\($0.spec.locationKey ?? "")\":".utf8), isNumber: $0.spec.type == .number) }
    }
}

/// Appends JSON text as UTF-8 bytes: objects, string arrays and scalar fields, strings escaped per RFC 8259.
/// Bytes, not `String` appends: a snapshot is written for every change of every event.
struct SnapshotWriter: ~Copyable {
    /// The JSON written so far, UTF-8.
    private var out = ByteBuffer(capacity: 1024)
    /// Whether the current object or array already has a member (a comma comes first).
    private var hasMember = false

    /// Starts empty, with room for a typical snapshot.
    init() {}

    /// The JSON written so far, UTF-8.
    var bytes: [UInt8] { out.bytes }

    /// Writes `{`, the members written by `body`, `}`.
    mutating func object(_ body: (inout SnapshotWriter) -> Void) {
        out.append(UInt8(ascii: "{"))
        hasMember = false
        body(&self)
        out.append(UInt8(ascii: "}"))
        hasMember = true
    }

    /// Writes a member name and its colon.
    mutating func key(_ name: StaticString) {
        if hasMember { out.append(UInt8(ascii: ",")) }
        out.append(UInt8(ascii: "\""))
        // Member names are plain ASCII literals: nothing to escape.
        out.append(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ":"))
        hasMember = false
    }

    /// Writes a string member; nothing when nil.
    mutating func field(_ name: StaticString, _ value: String?) {
        guard let value else { return }
        key(name)
        appendQuoted(value)
        hasMember = true
    }

    /// Writes a registry member of the location (`member.key` is `"name":`, made once): text, or a number left
    /// out when nil (as `JSONEncoder` leaves out a nil optional).
    mutating func field(_ member: LocationMember, of location: EventLocation) {
        if member.isNumber {
            guard let value = location[number: member.field], value.isFinite else { return }
            if hasMember { out.append(UInt8(ascii: ",")) }
            member.key.withUnsafeBufferPointer { out.append($0) }
            appendNumber(value)
        } else {
            if hasMember { out.append(UInt8(ascii: ",")) }
            member.key.withUnsafeBufferPointer { out.append($0) }
            appendQuoted(location[text: member.field])
        }
        hasMember = true
    }

    /// Appends a finite Double as `JSONEncoder` writes it: Swift's shortest round-trip text, without a trailing `.0`.
    private mutating func appendNumber(_ value: Double) {
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        out.append(utf8: text)
    }

    /// Writes an integer member; nothing when nil.
    mutating func field(_ name: StaticString, _ value: Int64?) {
        guard let value else { return }
        key(name)
        appendDecimal(value)
        hasMember = true
    }

    /// Writes a Boolean member.
    mutating func field(_ name: StaticString, _ value: Bool) {
        key(name)
        appendLiteral(value ? "true" : "false")
        hasMember = true
    }

    /// Writes an array of strings.
    mutating func array(_ values: [String]) {
        out.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendQuoted(value)
        }
        out.append(UInt8(ascii: "]"))
        hasMember = true
    }

    /// Appends ASCII literal text.
    private mutating func appendLiteral(_ literal: StaticString) {
        out.append(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Appends an integer in decimal, as `JSONEncoder` writes it (the digits fit a small, unallocated String).
    private mutating func appendDecimal(_ value: Int64) {
        out.append(utf8: String(value))
    }

    /// Writes a quoted string: `"` and `\` escaped, control characters as `\uXXXX` (or their short forms).
    private mutating func appendQuoted(_ value: String) {
        out.append(UInt8(ascii: "\""))
        // The bytes in place (a native string's always are): a mutable copy for `withUTF8` costs reference counts.
        if value.utf8.withContiguousStorageIfAvailable({ appendEscaped($0) }) == nil {
            var value = value
            value.withUTF8 { appendEscaped($0) }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// The body of `appendQuoted`: runs of plain bytes are appended as buffers (one copy each, not a generic
    /// append of a slice).
    private mutating func appendEscaped(_ text: UnsafeBufferPointer<UInt8>) {
        var plainStart = 0
        for index in text.indices {
            let byte = text[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            out.append(UnsafeBufferPointer(rebasing: text[plainStart..<index]))
            switch byte {
            case UInt8(ascii: "\""): appendLiteral("\\\"")
            case UInt8(ascii: "\\"): appendLiteral("\\\\")
            case 0x0A: appendLiteral("\\n")
            case 0x0D: appendLiteral("\\r")
            case 0x09: appendLiteral("\\t")
            default:
                let hexDigits: StaticString = "0123456789abcdef"
                appendLiteral("\\u00")
                out.append(hexDigits.utf8Start[Int(byte >> 4)])
                out.append(hexDigits.utf8Start[Int(byte & 0x0F)])
            }
            plainStart = index + 1
        }
        out.append(UnsafeBufferPointer(rebasing: text[plainStart...]))
    }
}
