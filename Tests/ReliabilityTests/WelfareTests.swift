import EventCore
import Foundation
import LookoutTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension ReliabilityTests {
    /// Issue 15 item 4 at the running binary: the shipped welfare check counts per resident. Its 48 hours are
    /// shortened to 8 seconds; everything else is the shipped rule.
    @Suite struct WelfareTests {
        /// Wang Fang (R-A) has a door and a call button; another Wang Fang (R-B) a door; Li Ming (R-C) a door and a
        /// call button that sends only heartbeats and telemetry.
        static let registry = """
        id,kind,community,building,unit,address,grid,owner,report_interval_s,resident_name,resident_phone,lives_alone,emergency_contact,resident_id
        DR-A1,door,c01,8,1,Bldg 8 Unit 1 #201,grid-06,property,,Wang Fang,13800000011,yes,Wang Jun 13900000012,R-A
        SOS-A1,sos,c01,8,1,Bldg 8 Unit 1 #201,grid-06,property,86400,Wang Fang,13800000011,yes,Wang Jun 13900000012,R-A
        DR-B1,door,c01,8,1,Bldg 8 Unit 1 #202,grid-06,property,,Wang Fang,13800000021,yes,,R-B
        DR-C1,door,c01,8,2,Bldg 8 Unit 2 #301,grid-06,property,,Li Ming,13800000031,yes,,R-C
        SOS-C1,sos,c01,8,2,Bldg 8 Unit 2 #301,grid-06,property,86400,Li Ming,13800000031,yes,,R-C

        """

        static func rules() throws -> [String: String] {
            let shipped = try String(contentsOfFile: LookoutdProcess.repositoryFile("config/rules.d/welfare.rules"), encoding: .utf8)
            let short = shipped.replacingOccurrences(of: "absent 48h by resident", with: "absent 8s by resident")
            #expect(short != shipped, "the shipped welfare rule no longer reads 'absent 48h by resident'")
            return ["welfare.rules": short]
        }

        static func welfare(_ daemon: LookoutdProcess) throws -> [EventRecord] {
            try daemon.events().filter { $0.rule == "welfare_check" }
        }

        /// Wang Fang's door is quiet but she presses and cancels her call button: no welfare event. Her namesake
        /// does nothing, and Li Ming's call button sends only heartbeats: both are raised, keyed by resident. A
        /// press clears Li Ming's; after a hard kill and restart Wang Fang, still pressing, is not raised, her
        /// namesake's event is not raised twice, and Li Ming is raised again for his own silence.
        @Test func aCallButtonPressIsASignOfLifeAndHeartbeatsAreNot() throws {
            let broker = try MosquittoBroker()
            let daemon = try LookoutdProcess(broker: broker, rules: .files(try Self.rules()), registry: Self.registry)
            try daemon.start()
            let publisher = try TestPublisher(broker: broker)
            var seq = 0
            func publish(_ topic: String, _ json: String) throws {
                seq += 1
                try publisher.publish(topic, "{\(json),\"seq\":\(seq)}")
            }
            for door in ["DR-A1", "DR-B1", "DR-C1"] {
                try publish("c01/door/\(door)/event", #""event":"access","result":"granted","method":"face","door":1,"direction":"in""#)
            }
            try publisher.flush()
            /// Wang Fang's actions and Li Ming's heartbeats, every half second while the test waits.
            func keepGoing() throws {
                try publish("c01/sos/SOS-A1/event", seq % 2 == 0 ? #""event":"sos","press":"short""# : #""event":"sos_cancel","press":"long""#)
                try publish("c01/sos/SOS-C1/telemetry", #""battery_pct":64"#)
                try publish("c01/sos/SOS-C1/status", #""online":true"#)
                try publisher.flush()
                usleep(500_000)
            }
            let raised = try waitFor("welfare events of R-B and R-C", log: daemon.log) { () -> [EventRecord]? in
                try keepGoing()
                let events = try Self.welfare(daemon)
                return Set(events.map(\.eventKey)).isSuperset(of: ["welfare_check/R-B", "welfare_check/R-C"]) ? events : nil
            }
            #expect(raised.count == 2, "\(raised.map(\.eventKey))")
            let namesake = try #require(raised.first { $0.eventKey == "welfare_check/R-B" })
            #expect(namesake.deviceID == "DR-B1")
            #expect(namesake.level == .yellow)
            #expect(namesake.location.address == "Bldg 8 Unit 1 #202" && namesake.location.residentName == "Wang Fang")
            #expect(namesake.description.contains("resident R-B"))
            #expect(try Self.welfare(daemon).allSatisfy { $0.eventKey != "welfare_check/R-A" }, "\(daemon.log)")

            // Li Ming's next action, on his call button, clears his event.
            try publish("c01/sos/SOS-C1/event", #""event":"sos_cancel","press":"long""#)
            try publisher.flush()
            let cleared = try waitFor("R-C cleared", log: daemon.log) {
                try Self.welfare(daemon).first { $0.eventKey == "welfare_check/R-C" && $0.status == .cleared }
            }
            // The clear names the device that showed the sign of life (his call button), not the door that was raised.
            let clearNote = try daemon.store().timeline(of: cleared.id).last { $0.action == "cleared" }?.note
            #expect(clearNote == "cleared by device SOS-C1", "\(clearNote ?? "no clear entry")")

            // A hard kill and a restart on the same files: the saved timers go on.
            daemon.killHard()
            try daemon.start()
            let again = try waitFor("R-C raised again after the restart", log: daemon.log) { () -> EventRecord? in
                try keepGoing()
                return try Self.welfare(daemon).first { $0.eventKey == "welfare_check/R-C" && $0.status != .cleared }
            }
            #expect(again.deviceID == "DR-C1")
            let events = try Self.welfare(daemon)
            #expect(events.allSatisfy { $0.eventKey != "welfare_check/R-A" }, "\(events.map(\.eventKey))")
            #expect(events.filter { $0.eventKey == "welfare_check/R-B" }.count == 1, "\(events.map { "\($0.eventKey) \($0.status)" })")
            #expect(daemon.stop() == 0)
        }
    }
}
