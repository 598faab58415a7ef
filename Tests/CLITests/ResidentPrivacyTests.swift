import EventCore
import Foundation
import LookoutTestSupport
import StaffAPI
import Testing
import Vocabulary

/// Residents' personal data (issue 16, PIPL): it leaves lookoutd only in `show`, to a member whose role and team
/// need it for that event, and every such display (or refusal to display) is an audit row; lists and the live
/// watch never carry it.
@Suite struct ResidentPrivacyTests {
    /// A red call-button event of team `teams` whose title and description name the resident, as the shipped
    /// sos rule writes them.
    static func raiseCall(_ fixture: CLIFixture, teams: [String], device: String = "SOS-0301") throws -> EventRecord {
        var trigger = EventTrigger(
            rule: "sos_call", eventKey: "sos_call:\(device)", level: .red, kind: "sos", deviceID: device,
            location: EventLocation(community: "c01", building: "3", unit: "1", address: "Bldg 3 Unit 1 #101",
                                    residentName: "Wang Fang", residentPhone: "13800000011",
                                    emergencyContact: "Wang Lei 13900000012", registered: true),
            title: "Emergency call from Wang Fang at Bldg 3 Unit 1 #101",
            description: "phone 13800000011; emergency contact Wang Lei 13900000012", teams: teams,
            topic: "c01/sos/SOS-0301/event", payload: #"{"event":"press"}"#, at: fixture.now - 60_000)
        trigger.emergencyPhone = "13900000012"
        return try fixture.store.raise(trigger).event
    }

    static let personal = ["Wang Fang", "13800000011", "Wang Lei", "13900000012"]

    @Test func aViewerIsShownTheEventWithoutTheResidentAndTheRefusalIsRecorded() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon(staff: StaffAPITests.runnerEntry(role: "viewer", teams: "medical"))
        let event = try Self.raiseCall(fixture, teams: ["medical"])
        let show = try fixture.run(["show", event.id])
        #expect(show.status == 0, "\(show.stderr)")
        for value in Self.personal { #expect(!show.stdout.contains(value), "\(value) in \(show.stdout)") }
        #expect(show.stdout.contains("withheld: your role and teams do not need it"), "\(show.stdout)")
        #expect(show.stdout.contains("Emergency call from [withheld] at Bldg 3 Unit 1 #101"), "\(show.stdout)")
        let json = try fixture.run(["show", event.id, "--json"])
        for value in Self.personal { #expect(!json.stdout.contains(value)) }
        #expect(json.stdout.contains(#""resident_withheld": true"#), "\(json.stdout)")
        let rows = try StaffAPITests.audit(fixture, event: event.id).filter { $0.operation == "show" }
        #expect(rows.count == 2 && rows.allSatisfy { $0.detail == "resident data withheld from viewer" }, "\(rows)")
    }

    @Test func staffOfTheEventsTeamSeeTheResidentAndEachDisplayIsRecorded() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon(staff: StaffAPITests.runnerEntry(role: "staff", teams: "medical"))
        let event = try Self.raiseCall(fixture, teams: ["medical"])
        let show = try fixture.run(["show", event.id])
        #expect(show.status == 0, "\(show.stderr)")
        for value in Self.personal { #expect(show.stdout.contains(value), "\(value) not in \(show.stdout)") }
        let rows = try StaffAPITests.audit(fixture, event: event.id).filter { $0.operation == "show" }
        #expect(rows.count == 1 && rows.first?.detail == "resident data shown" && rows.first?.user == StaffAPITests.runner)
        // Staff of another team are not shown them.
        let other = try Self.raiseCall(fixture, teams: ["police"], device: "SOS-0302")
        let refused = try fixture.run(["show", other.id])
        #expect(!refused.stdout.contains("13800000011"), "\(refused.stdout)")
    }

    @Test func listsAndTheLiveWatchNeverCarryTheResident() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()   // the runner is an admin: entitled in `show`, and still not in lists
        let event = try Self.raiseCall(fixture, teams: ["medical"])
        for arguments in [["events"], ["events", "--json"]] {
            let result = try fixture.run(arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            #expect(result.stdout.contains(event.id), "\(arguments): \(result.stdout)")
            for value in Self.personal { #expect(!result.stdout.contains(value), "\(arguments): \(value) in \(result.stdout)") }
        }
        #expect(try fixture.run(["events"]).stdout.contains("[withheld]"))
        let watch = try WatchProcess(fixture, ["--no-bell", "--interval", "0.1", "--replay", "10"])
        #expect(watch.stdout.wait(until: { $0.contains(event.id) }), "\(watch.stdout.text) \(watch.stderr.text)")
        watch.interrupt()
        for value in Self.personal { #expect(!watch.stdout.text.contains(value), "\(value) in \(watch.stdout.text)") }
        // `show` gives them to the admin, recorded.
        #expect(try fixture.run(["show", event.id]).stdout.contains("13800000011"))
        #expect(try StaffAPITests.audit(fixture, event: event.id).contains { $0.detail == "resident data shown" })
    }
}
