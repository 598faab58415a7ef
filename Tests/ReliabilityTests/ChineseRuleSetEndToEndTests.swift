import EventCore
import Foundation
import LookoutTestSupport
import Testing

extension ReliabilityTests {
    /// The rule set the package installs by default (`config/rules.d.zh_CN`) in the real `lookoutd`: a call-button
    /// press raises the Chinese title, which `lookout` under zh_CN shows, in the community's time zone.
    @Suite struct ChineseRuleSetEndToEndTests {
        static let registry = """
        id,kind,community,building,unit,address,grid,owner,report_interval_s,resident_name,resident_phone,lives_alone,emergency_contact
        SOS-0001,sos,c01,3,1,3号楼1单元502,grid-03,property,86400,王芳,13800000001,yes,王磊 13900000002

        """

        /// Every file of the Chinese set, as the package installs it into /etc/lookout/rules.d.
        static func chineseRules() throws -> [String: String] {
            let directory = LookoutdProcess.repositoryFile("config/rules.d.zh_CN")
            var files: [String: String] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name.hasSuffix(".rules") {
                files[name] = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
            }
            #expect(files.count == 6, "\(files.keys.sorted())")
            return files
        }

        @Test func aPressRaisesTheChineseTitleShownUnderZhCN() throws {
            let broker = try MosquittoBroker()
            let daemon = try LookoutdProcess(broker: broker, rules: .files(try Self.chineseRules()), registry: Self.registry)
            try daemon.start()
            let publisher = try TestPublisher(broker: broker)
            try publisher.publish("c01/sos/SOS-0001/event", #"{"event":"sos","press":"short","seq":1}"#)
            try publisher.flush()
            let event = try waitFor("the call", log: daemon.log) { try daemon.events().first { $0.rule == "sos_call" } }
            #expect(event.title == "3号楼1单元502王芳紧急呼叫")
            #expect(event.level == .red)
            #expect(event.description.contains("紧急联系人王磊 13900000002"))

            var chinese = try TestLocale.chinese()
            chinese["TZ"] = "UTC"
            let events = try daemon.lookout(["events"], environment: chinese)
            #expect(events.status == 0, "\(events.stderr)")
            // The resident's name is withheld from this runner (not in the event's teams: docs/security.md).
            #expect(events.stdout.contains("3号楼1单元502[withheld]紧急呼叫"), "\(events.stdout)")
            #expect(events.stdout.contains("级别"), "\(events.stdout)")
            let show = try daemon.lookout(["show", event.id], environment: chinese)
            #expect(show.stdout.contains("紧急呼叫"), "\(show.stdout)")
            #expect(show.stdout.contains(" +08"), "\(show.stdout)")
        }
    }
}
