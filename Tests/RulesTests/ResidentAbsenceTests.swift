import Foundation
@testable import Rules
import Testing
import Vocabulary

/// Absence counted per resident (`absent D by resident`, registry `resident_id`; issue 15 item 4): the shipped
/// welfare check, its state across restarts and reloads, and what `rules check` says about the clause.
struct ResidentAbsenceTests {
    static let hour = 3600.0

    /// Li Ming has a door and a call button; another Li Ming a door; DR-3 names a resident without
    /// an id (its own resident, as before resident ids).
    static let devices = [
        DeviceRecord(id: "DR-1", kind: "door", community: "c01", address: "Bldg 1 #101", grid: "grid-01",
                     residentName: "Li Ming", livesAlone: true, residentID: "R-1"),
        DeviceRecord(id: "SOS-1", kind: "sos", community: "c01", address: "Bldg 1 #101 bedside", grid: "grid-01",
                     reportIntervalSeconds: 86_400, residentName: "Li Ming", livesAlone: true, residentID: "R-1"),
        DeviceRecord(id: "DR-2", kind: "door", community: "c01", address: "Bldg 1 #102", grid: "grid-01",
                     residentName: "Li Ming", livesAlone: true, residentID: "R-2"),
        DeviceRecord(id: "DR-3", kind: "door", community: "c01", address: "Bldg 1 #103", grid: "grid-01",
                     residentName: "Zhao Jun", livesAlone: true),
    ]

    static var shipped: String {
        get throws { try String(contentsOfFile: ShippedRuleTests.rulesDirectory + "/welfare.rules", encoding: .utf8) }
    }

    static func harness(_ rules: String, start: EpochMillis = 1_763_856_000_000) throws -> RuleHarness {
        try RuleHarness(rules: rules, devices: devices, start: start)
    }

    static func ruleSet(_ text: String) throws -> RuleSet {
        try #require(RuleCompiler.compile([RuleSource(fileName: "welfare.rules", text: text)]).ruleSet)
    }

    @Test func aCallButtonPressResetsTheResidentsTimerAndHeartbeatsDoNot() throws {
        let h = try Self.harness(Self.shipped)
        h.publish(0, "c01/door/DR-1/event", ["event": "access", "result": "granted", "door": 1])
        h.publish(0, "c01/door/DR-2/event", ["event": "access", "result": "granted", "door": 1])
        h.publish(0, "c01/door/DR-3/event", ["event": "door_closed", "door": 1])
        h.publish(30 * Self.hour, "c01/sos/SOS-1/event", ["event": "sos", "press": "short"])
        h.publish(40 * Self.hour, "c01/sos/SOS-1/telemetry", ["battery_pct": 60])
        h.publish(44 * Self.hour, "c01/sos/SOS-1/status", ["online": true])
        #expect(h.run(from: 0, to: 48 * Self.hour - 60, step: 60) == [])
        // The namesake and the resident without an id are their own residents.
        #expect(h.tick(48 * Self.hour) == ["raise welfare_check/DR-3 yellow", "raise welfare_check/R-2 yellow"])
        #expect(h.run(from: 48 * Self.hour + 60, to: 78 * Self.hour - 60, step: 60) == [])
        #expect(h.tick(78 * Self.hour) == ["raise welfare_check/R-1 yellow"])
        // The next action on any of the resident's devices clears it.
        #expect(h.publish(79 * Self.hour, "c01/sos/SOS-1/event", ["event": "sos_cancel", "press": "long"]) == ["clear welfare_check/R-1 yellow"])
    }

    @Test func theEventIsKeyedByTheResidentAndToldFromTheirDoor() throws {
        let h = try Self.harness(Self.shipped)
        var raised: [RuleAction] = []
        for t in stride(from: 0.0, through: 48 * Self.hour, by: 60) { raised += h.engine.tick(now: h.start + Int64(t * 1000)) }
        let event = try #require(raised.first { $0.eventKey == "welfare_check/R-1" })
        #expect(event.deviceID == "DR-1")
        #expect(event.title == "Welfare check: no activity for 48 h from Li Ming (Bldg 1 #101)")
        #expect(event.description.hasPrefix("resident R-1;"))
    }

    @Test func anAwayNoteOnTheResidentOrAnyOfTheirDevicesSuppressesIt() throws {
        for subject in ["R-1", "SOS-1", "DR-1"] {
            let h = try Self.harness(Self.shipped)
            h.engine.setAway(deviceID: subject, until: h.start + Int64(72 * Self.hour * 1000))
            let seen = h.run(from: 0, to: 120 * Self.hour - 60, step: 60)
            #expect(!seen.contains("raise welfare_check/R-1 yellow"), "note on \(subject)")
            #expect(h.tick(120 * Self.hour) == ["raise welfare_check/R-1 yellow"], "note on \(subject)")
        }
    }

    /// The resident's last action is saved: a restart neither raises early nor forgets the timer.
    @Test func theResidentsTimerSurvivesARestart() throws {
        let h = try Self.harness(Self.shipped)
        var table: [String: [UInt8]] = [:]
        h.publish(40 * Self.hour, "c01/sos/SOS-1/event", ["event": "sos", "press": "short"])
        h.publish(40 * Self.hour, "c01/door/DR-2/event", ["event": "door_closed", "door": 1])
        h.publish(40 * Self.hour, "c01/door/DR-3/event", ["event": "door_closed", "door": 1])
        EngineStateTests.apply(h.engine.takeStateChanges(), to: &table)
        #expect(table["welfare_check/R-1"] != nil)

        let after = try RuleHarness(rules: Self.shipped, devices: Self.devices, start: h.start)
        after.engine.restoreState(EngineStateTests.entries(table), now: h.start + Int64(50 * Self.hour * 1000))
        #expect(after.run(from: 50 * Self.hour, to: 88 * Self.hour - 60, step: 60) == [])
        #expect(after.tick(88 * Self.hour) == [
            "raise welfare_check/DR-3 yellow", "raise welfare_check/R-1 yellow", "raise welfare_check/R-2 yellow",
        ])
        // Raised and saved: after another restart the resident's next action still clears it.
        EngineStateTests.apply(after.engine.takeStateChanges(), to: &table)
        let again = try RuleHarness(rules: Self.shipped, devices: Self.devices, start: h.start)
        again.engine.restoreState(EngineStateTests.entries(table), now: h.start + Int64(89 * Self.hour * 1000))
        #expect(again.run(from: 89 * Self.hour, to: 95 * Self.hour, step: 60) == [])
        #expect(again.publish(95 * Self.hour, "c01/door/DR-1/event", ["event": "access", "result": "granted", "door": 1])
                == ["clear welfare_check/R-1 yellow"])
    }

    /// A reload that changes only the presentation keeps the timers; one that turns a per-device rule into a
    /// per-resident one keeps the raised per-device events, which the person's next action clears.
    @Test func reloadsKeepTimersAndClearEventsOfTheOtherKeying() throws {
        let h = try Self.harness(Self.shipped)
        h.publish(40 * Self.hour, "c01/sos/SOS-1/event", ["event": "sos", "press": "short"])
        let retitled = try Self.shipped.replacingOccurrences(of: "title \"Welfare check:", with: "title \"Welfare:")
        h.engine.replaceRules(try Self.ruleSet(retitled), now: h.start + Int64(45 * Self.hour * 1000))
        let seen = h.run(from: 45 * Self.hour, to: 88 * Self.hour - 60, step: 60)
        #expect(!seen.contains("raise welfare_check/R-1 yellow"))
        #expect(h.tick(88 * Self.hour) == ["raise welfare_check/R-1 yellow"])

        let perDevice = try Self.shipped.replacingOccurrences(of: "absent 48h by resident", with: "absent 48h")
        let old = try Self.harness(perDevice)
        #expect(Set(old.run(from: 0, to: 48 * Self.hour, step: 60)) == [
            "raise welfare_check/DR-1 yellow", "raise welfare_check/DR-2 yellow", "raise welfare_check/DR-3 yellow",
        ])
        old.engine.replaceRules(try Self.ruleSet(Self.shipped), now: old.start + Int64(49 * Self.hour * 1000))
        #expect(old.publish(50 * Self.hour, "c01/sos/SOS-1/event", ["event": "sos", "press": "short"]) == [])
        #expect(old.publish(51 * Self.hour, "c01/door/DR-1/event", ["event": "door_closed", "door": 1]) == ["clear welfare_check/DR-1 yellow"])
    }

    /// Resident ids given to a registry that had none (a reload of devices.csv): the timers follow the devices,
    /// so no false absence is raised, and a raised event moves with them and is cleared by a press.
    @Test func residentIDsGivenOnARegistryReloadKeepTheTimers() throws {
        let anonymous = Self.devices.map { record -> DeviceRecord in
            var record = record
            record.residentID = ""
            return record
        }
        let h = try RuleHarness(rules: Self.shipped, devices: anonymous)
        h.publish(40 * Self.hour, "c01/door/DR-1/event", ["event": "door_closed", "door": 1])
        #expect(Set(h.run(from: 0, to: 48 * Self.hour, step: 60)) == ["raise welfare_check/DR-2 yellow", "raise welfare_check/DR-3 yellow"])
        h.engine.replaceRegistry(DeviceRegistry(Self.devices))
        #expect(h.run(from: 48 * Self.hour + 60, to: 88 * Self.hour - 60, step: 60) == [])
        #expect(h.tick(88 * Self.hour) == ["raise welfare_check/R-1 yellow"])
        // DR-2's open event (raised before it had an id) is now its resident's: a later action clears it.
        #expect(h.publish(89 * Self.hour, "c01/door/DR-2/event", ["event": "door_closed", "door": 1]) == ["clear welfare_check/DR-2 yellow"])
        #expect(h.run(from: 89 * Self.hour + 60, to: 137 * Self.hour - 60, step: 60) == [])
        #expect(h.tick(137 * Self.hour) == ["raise welfare_check/R-2 yellow"])
    }

    @Test func byResidentIsCheckedWhereItIsWritten() {
        func diagnostics(_ clause: String, residentKinds: Set<String>? = nil) -> [String] {
            let text = """
            rule w {
              on kind door channel event
              \(clause)
              level yellow
              title "w"
            }
            """
            let result = RuleCompiler.compile([RuleSource(fileName: "t.rules", text: text)], options: CompileOptions(residentKinds: residentKinds))
            return result.diagnostics.map { "\($0.severity) \($0.range.start.line):\($0.range.start.column) \($0.message)" }
        }
        #expect(diagnostics("absent 48h by resident").isEmpty)
        #expect(diagnostics("absent 48h by resident", residentKinds: ["door", "sos"]).isEmpty)
        #expect(diagnostics("absent 48h by device") == ["error 3:17 expected 'resident' after 'absent DURATION by' (e.g. 'absent 48h by resident'), found 'device'"])
        #expect(diagnostics("absent 48h by resident", residentKinds: ["sos"]) == [
            "warning 3:14 'by resident' keys on the registry's resident_id, but no door device in the registry has one: each device counts as its own resident",
        ])
        #expect(diagnostics("absent 48h by resident", residentKinds: []).count == 1)
    }

    @Test func theResidentIDIsARegistryColumnAndNeverADeviceID() throws {
        let header = "id,kind,resident_name,lives_alone,resident_id\n"
        let registry = try DeviceRegistry(csv: header + "DR-1,door,Li Ming,yes,R-1\nSOS-1,sos,Li Ming,yes,R-1\nDR-2,door,Li Ming,yes,\n")
        #expect(registry["SOS-1"]?.residentID == "R-1")
        #expect(registry["DR-1"]?.residentKey == "R-1")
        #expect(registry["DR-2"]?.residentKey == "DR-2")
        #expect(registry.residentKinds == ["door", "sos"])
        // Registries without the column load as before: every device is its own resident.
        let old = try DeviceRegistry(csv: "id,kind,resident_name\nDR-1,door,Li Ming\n")
        #expect(old["DR-1"]?.residentID == "" && old["DR-1"]?.residentKey == "DR-1" && old.residentKinds.isEmpty)
        func issues(_ rows: String) -> [String] {
            do {
                _ = try DeviceRegistry(csv: header + rows, fileName: "devices.csv")
                return []
            } catch {
                return error.issues.map(\.description)
            }
        }
        #expect(issues("DR-1,door,A,yes,SOS-1\nSOS-1,sos,B,yes,\n") == [
            "devices.csv:2: error: resident_id 'SOS-1' of 'DR-1' is also a device id; use ids of their own for residents (R-0001)",
        ])
        #expect(issues("DR-3,door,C,yes,R/3\n") == ["devices.csv:2: error: resident_id of 'DR-3' contains '/' or a control character: 'R/3'"])
    }
}

extension ResidentAbsenceTests {
    /// The shipped registry gives every resident living alone at a door a resident id that a call button shares,
    /// so the shipped welfare check counts their presses.
    @Test func shippedRegistryPairsDoorsOfResidentsLivingAloneWithCallButtons() throws {
        let path = ShippedRuleTests.rulesDirectory + "/../devices.csv"
        let registry = try DeviceRegistry.load(csvFile: path)
        let doors = registry.devices.values.filter { $0.kind == "door" && $0.livesAlone == true }
        #expect(!doors.isEmpty)
        for door in doors {
            #expect(!door.residentID.isEmpty, "\(door.id) has no resident_id")
            #expect(registry.devices.values.contains { $0.kind == "sos" && $0.residentID == door.residentID }, "\(door.id)")
        }
    }
}
