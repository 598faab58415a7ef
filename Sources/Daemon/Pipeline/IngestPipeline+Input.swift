import EventCore
import MQTTClient
import Rules
import Vocabulary

/// Input the rules cannot take at its word (issue 14 items 5, 7 and 8). A topic names any kind, channel,
/// community and device its sender likes, and a payload holds whatever the sender wrote; so before the rules:
///
/// - a kind the payload schema does not declare, or a channel not in `[payloads] channels`, is rejected
///   (`unknown_kind`, `unknown_channel`): no rule could read it, and counting it as processed hid it;
/// - a registered device on a topic of another community or kind than the registry's is rejected
///   (`wrong_community`, `wrong_kind`): the message is not attributed to the registered device;
/// - a declared field of the wrong type or with an impossible value is rejected (`wrong_type`,
///   `implausible_value`, naming the field and the value) and dropped from the payload; the rest of the
///   message is evaluated, so a smoke alarm with a broken thermometer is still a smoke alarm. A registered
///   device that sends such values (or an `implausible_ts`, or keeps publishing on a topic of another community
///   or kind than the registry's) `implausible_count` times within `implausible_window` raises a green
///   maintenance event, `implausible_data` (docs/domain.md situation 12: a device that cannot be evaluated is itself
///   visible, also when it is misconfigured and none of its messages reach the rules).
///
/// Every reject that names a device is noted on that device (`lookout devices`); a rejected message does not
/// count as hearing from the device. With a registry in force, alarms of devices not in it are folded into one
/// event per kind (per community for the registry's communities), which keeps a count and the first
/// `foldedSendersKept` device ids: a flood of forged ids makes one event, not one per id.
extension IngestPipeline {
    /// Reject reasons of the topic checks (the payload schema's are `PayloadSchema.wrongTypeReason` and
    /// `PayloadSchema.implausibleValueReason`).
    enum InputRejectReason {
        /// The topic's kind is not declared in the payload schema.
        static let unknownKind = "unknown_kind"
        /// The topic's channel is not in `[payloads] channels`.
        static let unknownChannel = "unknown_channel"
        /// A registered device on a topic of another community than the registry's.
        static let wrongCommunity = "wrong_community"
        /// A registered device on a topic of another kind than the registry's.
        static let wrongKind = "wrong_kind"
    }

    /// Rule name of the maintenance event of a device that keeps sending impossible values (`lookout devices` shows
    /// its device as "implausible data").
    public static let implausibleDataRule = ReservedRuleName.implausibleData
    /// Rule name of the events that fold the alarms of unregistered devices.
    public static let unregisteredRule = "unregistered_devices"
    /// How many device ids a folded event keeps (the first that sent to it).
    static let foldedSendersKept = 20

    /// What the topic checks decided for one message.
    enum TopicVerdict {
        /// Evaluate it; `kind` is the declared kind's index in the payload schema (nil: no kind to check against).
        case accept(kind: Int?)
        /// Reject it for `reason`, with `detail` naming what was wrong; `contradicts` is the registry's record of
        /// the device when the topic contradicts it (the reject counts towards the device's `implausible_data`).
        case reject(reason: String, detail: String, contradicts: DeviceRecord? = nil)
    }

    /// Kind, channel and registry checks of a topic, `record` being the registry's record of its device.
    func checkTopic(_ segments: TopicSegments, record: DeviceRecord?) -> TopicVerdict {
        let topicKind = segments.value("kind", slot: segmentSlots.kind)
        let schema = configuration.payloadSchema
        let topicKindIndex = topicKind.flatMap(schema.kindIndex)
        if let topicKind, topicKindIndex == nil {
            return .reject(reason: InputRejectReason.unknownKind,
                           detail: "kind '\(topicKind)' is not declared in the payload schema")
        }
        if let channel = segments.value("channel", slot: segmentSlots.channel), !configuration.knownChannels.contains(channel) {
            return .reject(reason: InputRejectReason.unknownChannel,
                           detail: "channel '\(channel)' is not one of \(configuration.knownChannels.joined(separator: ", "))")
        }
        if let record {
            if let community = segments.value("community", slot: segmentSlots.community), !record.community.isEmpty, community != record.community {
                return .reject(reason: InputRejectReason.wrongCommunity,
                               detail: "\(record.id) is registered in community \(record.community), the topic says \(community)",
                               contradicts: record)
            }
            if let topicKind, !record.kind.isEmpty, topicKind != record.kind {
                return .reject(reason: InputRejectReason.wrongKind,
                               detail: "\(record.id) is registered as \(record.kind), the topic says \(topicKind)",
                               contradicts: record)
            }
        }
        if topicKind != nil { return .accept(kind: topicKindIndex) }
        // Without a kind in the topic layout, the registry's kind says what to check.
        return .accept(kind: schema.kindIndex(record?.kind ?? ""))
    }

    /// Rejects the fields of `violations` (one reject per reason, naming every field and value), drops them from
    /// `payload`, notes the rejects on the device and counts them towards its `implausible_data` event.
    func rejectFields(_ violations: [PayloadViolation], from payload: inout JSONObject, of message: MQTTMessage,
                      deviceID: String, kind: String, record: DeviceRecord?, work: inout BatchWork, at now: EpochMillis) {
        var details: [String] = []
        for reason in [PayloadSchema.wrongTypeReason, PayloadSchema.implausibleValueReason] {
            let matching = violations.filter { $0.reason == reason }
            guard !matching.isEmpty else { continue }
            let detail = matching.map(\.detail).joined(separator: "; ")
            details.append(detail)
            work.reject(reason, message, at: now, deviceID: deviceID, detail: detail)
            noteRejected(deviceID, kind: kind, reason: reason, registered: record != nil, at: now)
        }
        let names = Set(violations.map(\.field.name))
        payload.fields.removeAll { names.contains($0.key) }
        if let record { countImplausible(record, kind: kind, detail: details.joined(separator: "; "), message: message, work: &work, at: now) }
    }

    /// Counts a message with rejected fields, an implausible clock or a topic contradicting the registry against a
    /// registered device (once per message); at `implausible_count` within `implausible_window` it raises (or
    /// counts again on) the device's green `implausible_data` event, of the device's registered kind.
    func countImplausible(_ record: DeviceRecord, kind: String, detail: String, message: MQTTMessage,
                                  work: inout BatchWork, at now: EpochMillis) {
        let window = configuration.implausibleWindowSeconds * 1000
        var tally = implausibleTallies[record.id] ?? ImplausibleTally(since: now)
        if now - tally.since > window { tally = ImplausibleTally(since: now) }
        tally.count += 1
        if tally.count >= configuration.implausibleCount {
            tally = ImplausibleTally(since: now)
            let place = record.address.isEmpty ? record.id : "\(record.address) (\(record.id))"
            var action = RuleAction(
                effect: .raise, rule: Self.implausibleDataRule, eventKey: "\(Self.implausibleDataRule)/\(record.id)",
                deviceID: record.id, kind: record.kind.isEmpty ? kind : record.kind, level: .green, title: "Implausible data from \(place)",
                description: "\(configuration.implausibleCount) message(s) within \(formatDuration(Double(configuration.implausibleWindowSeconds)))"
                    + " carried values this device cannot report, or came on a topic that contradicts the device registry;"
                    + " those values or messages were rejected and the rules did not see them."
                    + " Check the sensor and its configuration (lookout rejects). Last: \(detail)",
                teams: record.grid.isEmpty ? [] : [record.grid], payloadText: String(decoding: message.payload, as: UTF8.self),
                topic: message.topic, at: now)
            action.device = record
            work.actions.append(action)
        }
        implausibleTallies[record.id] = tally
    }

    /// Forgets tallies whose window has passed (once a minute): they are bounded by the registry anyway.
    func pruneImplausibleTallies(now: EpochMillis) {
        guard duties.take(.tallyPrune, at: now) else { return }
        let window = configuration.implausibleWindowSeconds * 1000
        implausibleTallies = implausibleTallies.filter { now - $0.value.since <= window }
    }

    /// Notes a rejected message on the device the topic names (within the unknown-device cap), without
    /// counting it as heard from.
    func noteRejected(_ deviceID: String, kind: String, reason: String, registered: Bool, at now: EpochMillis) {
        guard !deviceID.isEmpty, tracksActivity(of: deviceID, registered: registered) else { return }
        pendingDeviceActivity[deviceID, default: PendingDeviceActivity(DeviceActivity(deviceID: deviceID, kind: kind, at: 0))]
            .noteReject(kind: kind, reason: reason, at: now)
    }

    // MARK: Folding unregistered devices

    /// The trigger of the folded event for a raise of a device that is not in the registry, or nil when the
    /// raise is not folded: no registry in force (an empty one: then every device is its own), a group event,
    /// or a registered device. It keeps the raising rule's `life_safety`, so silences treat it as that rule's event.
    func foldedTrigger(for action: RuleAction) -> EventTrigger? {
        guard !registryCommunities.isEmpty, action.group.isEmpty, !action.deviceID.isEmpty,
              action.device == nil else { return nil }
        // Per community only for the registry's communities: the topic is the sender's to choose.
        let community = configuration.layout.matchSegments(action.topic)?["community"]
            .flatMap { registryCommunities.contains($0) ? $0 : nil }
        let kind = action.kind.isEmpty ? "unknown" : action.kind
        let scope = community.map { " in community \($0)" } ?? ""
        let description = """
            Devices that are not in the device registry raised alarms of kind \(kind)\(scope). A topic names its own \
            device, so these may be forged; they are folded into this one event (COUNT is the number of alarms) and \
            the first \(Self.foldedSendersKept) device ids are listed. First alarm (rule \(action.rule)): \(action.title)
            """
        var trigger = EventTrigger(
            rule: Self.unregisteredRule, eventKey: "\(Self.unregisteredRule)/\(kind)" + (community.map { "/\($0)" } ?? ""),
            level: action.level, escalateTo: action.escalateTo, kind: action.kind,
            deviceID: action.deviceID, group: "unregistered \(kind) devices\(scope)",
            location: EventLocation(community: community ?? "", registered: false),
            title: "Alarms from unregistered \(kind) devices\(scope)", description: description, teams: action.teams,
            ackWithinSeconds: action.ackWithinSeconds, onsiteWithinSeconds: action.onsiteWithinSeconds,
            topic: action.topic, payload: action.payloadText, at: action.at)
        // The folded event stands for the raising rule's alarm: a silence must not hide it when it would not hide
        // that rule's own red event (the store decides per raise, so a later life-safety red shows a hidden one).
        trigger.lifeSafety = action.lifeSafety
        return trigger
    }

    /// Keeps `deviceID` among the first senders of folded event `eventID` (memory spares the store the ids it
    /// already has, and events that are full).
    func noteFoldedSender(eventID: String, deviceID: String, at now: EpochMillis) throws {
        var known = foldedSenders[eventID] ?? []
        guard known.count < Self.foldedSendersKept, !known.contains(deviceID) else { return }
        let kept = try store.noteSender(eventID: eventID, deviceID: deviceID, at: now, cap: Self.foldedSendersKept)
        known.insert(deviceID)
        // After a restart memory starts empty: the store's count says when the event is full.
        while known.count < kept { known.insert("#\(known.count)") }
        if foldedSenders.count >= 1_000 { foldedSenders.removeAll() }
        foldedSenders[eventID] = known
    }
}

/// Rejected values of one device counted towards its `implausible_data` event.
struct ImplausibleTally {
    /// Start of the window.
    var since: EpochMillis
    /// Messages with rejected values since then.
    var count = 0
}
