import EventCore
import StaffAPI
import Vocabulary

/// Who sees residents' personal data through the staff API (PIPL): the resident's name, phone and emergency
/// contact leave lookoutd only in `show`, and only to a member whose role and team need them for that event;
/// every such display is an audit row. Lists, the live watch and the answers to actions carry events without
/// them (`EventRecord.withoutResidentData`): a title written as `Emergency call from {resident.name}` reads
/// `Emergency call from [withheld]` there, and `lookout show` gives the name to those who need it.
enum ResidentPrivacy {
    /// Whether `member` may see the resident's data of an event with the staff teams `eventTeams` (the rule's and
    /// those brought in): supervisors and admins for every event, staff for their teams' events, viewers never.
    static func mayRead(_ member: StaffMember, eventTeams: [String]) -> Bool {
        switch member.role {
        case .admin, .supervisor: true
        case .staff: eventTeams.contains(where: member.teams.contains)
        case .viewer: false
        }
    }

    /// Takes out of `result` what `member` may not see, before it leaves the daemon; returns the audit detail
    /// (`resident data shown`/`resident data withheld`) when `operation` displayed or withheld any.
    static func apply(to result: inout APIResult, operation: APIOperation, member: StaffMember) -> String? {
        if operation == .show, let event = result.event {
            guard event.hasResidentData || !(result.emergencyPhone ?? "").isEmpty else { return nil }
            let teams = TeamName.staff(event.teams + (result.teams ?? []).map(\.team))
            if mayRead(member, eventTeams: teams) { return "resident data shown" }
            result.event = event.withoutResidentData()
            result.emergencyPhone = ""
            result.residentDataWithheld = true
            return "resident data withheld from \(member.role.rawValue)"
        }
        result.event = result.event?.withoutResidentData()
        result.events = result.events?.map { $0.withoutResidentData() }
        result.silenceHolds = result.silenceHolds?.map { hold in
            var hold = hold
            hold.hiddenEvents = hold.hiddenEvents.map { $0.withoutResidentData() }
            hold.shownEvents = hold.shownEvents.map { $0.withoutResidentData() }
            return hold
        }
        if var handover = result.handover {
            handover.events = handover.events.map { $0.withoutResidentData() }
            if member.role < .supervisor {
                handover.offlineDevices = handover.offlineDevices.map { var device = $0; device.residentName = ""; return device }
            }
            result.handover = handover
        }
        if member.role < .supervisor {
            result.devices = result.devices?.map { var device = $0; device.residentName = ""; return device }
        }
        return nil
    }
}
