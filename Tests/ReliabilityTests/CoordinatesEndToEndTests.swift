import EventCore
import Foundation
import LookoutTestSupport
import Testing

extension ReliabilityTests {
    /// Issue 17 (one vocabulary): the registry's optional `latitude`/`longitude` columns, through the real lookoutd
    /// and CLI: a bad value is a warning naming file:line and the device stays without coordinates; a raised event
    /// carries its device's coordinates into `lookout show` and `show --json`; the devices mirror keeps them.
    @Suite struct CoordinatesEndToEndTests {
        @Test func showCarriesTheRegisteredCoordinates() throws {
            let broker = try MosquittoBroker()
            let rules = LookoutdProcess.Rules.files(["smoke.rules": """
                rule test_smoke {
                  on kind smoke channel event
                  when event == "smoke" and device.latitude > 31
                  level red
                  title "Smoke at {device.address} ({device.latitude}, {device.longitude})"
                  team "community-office"
                }
                rule test_smoke_anywhere {
                  on kind smoke channel event
                  when event == "smoke" and not has device.latitude
                  level red
                  title "Smoke at {device.address}, no coordinates"
                  team "community-office"
                }
                """])
            let registry = """
                id,kind,community,building,address,latitude,longitude
                SD-1,smoke,c01,3,Bldg 3 #501,31.2304,121.4737
                SD-2,smoke,c01,4,Bldg 4 #101,31.2,999
                SD-3,smoke,c01,5,Bldg 5 #101,\u{1B}[2J31,121
                """
            let daemon = try LookoutdProcess(broker: broker, rules: rules, registry: registry)
            try daemon.start()
            _ = try waitFor("the registry mirrored into the database", log: daemon.log) {
                try daemon.store().registeredDevices(in: .community("c01")) == 3 ? true : nil
            }
            let warning = try #require(daemon.logLines(containing: "longitude of 'SD-2'").first)
            #expect(warning.contains("devices.csv:3:"), "\(warning)")
            #expect(warning.contains("kept without coordinates"), "\(warning)")
            // A value that would drive the terminal is escaped where it is quoted (the log, `lookoutd --check`).
            #expect(daemon.logLines(containing: "latitude of 'SD-3'").first?.contains("\u{1B}") == false)
            let check = try ChildProcess.run(ChildProcess.product("lookoutd"), ["--config", daemon.configPath, "--check"])
            #expect(check.status == 0, "\(check.stderr)")
            #expect(check.stderr.contains("devices.csv:4: warning: latitude of 'SD-3'"), "\(check.stderr)")
            #expect(!check.stderr.contains("\u{1B}"), "\(check.stderr)")
            let mirrored = Dictionary(uniqueKeysWithValues: try daemon.store().devices().map { ($0.id, $0) })
            #expect(mirrored["SD-1"]?.latitude == 31.2304 && mirrored["SD-1"]?.longitude == 121.4737)
            #expect(mirrored["SD-2"]?.latitude == nil && mirrored["SD-2"]?.longitude == nil)

            let publisher = try TestPublisher(broker: broker)
            try publisher.publish("c01/smoke/SD-1/event", #"{"event":"smoke"}"#)
            try publisher.publish("c01/smoke/SD-2/event", #"{"event":"smoke"}"#)
            try publisher.flush()
            let located = try waitFor("the event of SD-1", log: daemon.log) { try daemon.events().first { $0.deviceID == "SD-1" } }
            let unlocated = try waitFor("the event of SD-2", log: daemon.log) { try daemon.events().first { $0.deviceID == "SD-2" } }
            #expect(located.rule == "test_smoke" && located.title == "Smoke at Bldg 3 #501 (31.2304, 121.4737)")
            #expect(unlocated.rule == "test_smoke_anywhere")

            let json = try SilenceTests.lookout(daemon, ["show", located.id, "--json"])
            #expect(json.status == 0, "\(json.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(object["latitude"] as? Double == 31.2304, "\(json.stdout)")
            #expect(object["longitude"] as? Double == 121.4737, "\(json.stdout)")
            let plain = try SilenceTests.lookout(daemon, ["show", unlocated.id, "--json"])
            let plainObject = try #require(try JSONSerialization.jsonObject(with: Data(plain.stdout.utf8)) as? [String: Any])
            #expect(plainObject["latitude"] is NSNull && plainObject["longitude"] is NSNull, "\(plain.stdout)")

            let text = try SilenceTests.lookout(daemon, ["show", located.id])
            let lines = text.stdout.split(separator: "\n")
            #expect(lines.contains { $0.hasPrefix("Latitude ") && $0.hasSuffix("  31.2304") }, "\(text.stdout)")
            #expect(lines.contains { $0.hasPrefix("Longitude ") && $0.hasSuffix("  121.4737") }, "\(text.stdout)")
            #expect(!(try SilenceTests.lookout(daemon, ["show", unlocated.id])).stdout.contains("Latitude"))
            #expect(daemon.stop() == 0)
        }
    }
}
