import Rules
@testable import Simulation
import Testing

@Suite("Simulation: fleet, traffic, garbage, scenarios")
struct SimulationTests {
    static let fleet = SimulatedFleet(devicesPerKind: 10, seed: 1)

    @Test func fleetIsDeterministicAndPairsDevicesPerBuilding() {
        let again = SimulatedFleet(devicesPerKind: 10, seed: 1)
        #expect(Self.fleet.devices == again.devices)
        #expect(Self.fleet.devices.count == 40)
        #expect(Self.fleet.devices(of: .smoke).map(\.id).prefix(3) == ["SD-0001", "SD-0002", "SD-0003"])
        for kind in SimulatedDeviceKind.allCases {
            let devices = Self.fleet.devices(of: kind)
            #expect(devices[0].building == devices[1].building)
            #expect(devices[1].building != devices[2].building)
        }
        #expect(Self.fleet.devices[0].topic(.event) == "c01/manhole/MH-0001/event")
        #expect(SimulatedFleet(devicesPerKind: [.door: 3]).devices.map(\.id) == ["DR-0001", "DR-0002", "DR-0003"])
        // Residents live at call buttons and every third door; DR-0003 lives alone (welfare scenario).
        #expect(Self.fleet.devices(of: .sos).allSatisfy { !$0.residentName.isEmpty && $0.livesAlone != nil })
        #expect(Self.fleet.devices(of: .door).first { $0.id == "DR-0003" }?.livesAlone == true)
        #expect(Self.fleet.devices(of: .manhole).allSatisfy { $0.residentName.isEmpty && $0.reportIntervalSeconds == 86_400 })
    }

    @Test func registryCSVHasOneRowPerDeviceAndQuotesWhenNeeded() {
        let lines = Self.fleet.registryCSV.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first.map(String.init) == SimulatedFleet.registryHeader)
        #expect(lines.count == Self.fleet.devices.count + 2) // header, rows, final empty line
        #expect(lines[1].hasPrefix("MH-0001,manhole,c01,1,"))
        #expect(SimulatedFleet.csvField("a,b") == "\"a,b\"")
        #expect(SimulatedFleet.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(SimulatedFleet.csvField("王秀英") == "王秀英")
    }

    @Test func trafficFollowsTheDomainContract() throws {
        var traffic = TrafficGenerator(fleet: Self.fleet, seed: 3)
        var labels: [String: Int] = [:]
        var smokeAlarmAt: [String: Int64] = [:]
        var chatters = 0
        for index in 0..<20_000 {
            let ts: Int64 = 1_763_880_000_000 + Int64(index) * 100
            guard let message = traffic.next(ts: ts) else {
                Issue.record("no message from a non-empty fleet")
                return
            }
            labels[message.label, default: 0] += 1
            let levels = message.topic.split(separator: "/")
            #expect(levels.count == 4 && levels[0] == "c01" && SimulatedDeviceKind(rawValue: String(levels[1])) != nil)
            let payload = try JSONParser.parseObject(message.payload)
            switch levels[3] {
            case "status":
                #expect(message.retain)
                guard case .bool? = payload["online"] else { Issue.record("status without online: \(message.label)"); continue }
            case "telemetry":
                #expect(payload["ts"] == .number(Double(ts)))
                #expect(message.label == "telemetry")
            default:
                #expect(levels[3] == "event")
                #expect(payload["ts"] == .number(Double(ts)))
                guard case .string(let name)? = payload["event"] else { Issue.record("event without a name"); continue }
                #expect(message.label == "event:\(name)")
                if name == "smoke", payload["state"] == .string("alarm") { smokeAlarmAt[message.topic] = ts }
                if name == "smoke", payload["state"] == .string("normal"), let alarm = smokeAlarmAt[message.topic], ts - alarm <= 1_000 {
                    chatters += 1
                }
            }
        }
        // Smoke alarms chatter now and then: back to normal within a second.
        #expect(chatters > 3)
        // Mostly telemetry and door accesses, some alarms that clear again.
        #expect(labels["telemetry", default: 0] > 10_000)
        #expect(labels["event:access", default: 0] > 3_000)
        for pair in [("event:cover_tilt", 50), ("event:smoke", 20), ("event:sos", 20), ("event:sos_cancel", 5), ("event:door_closed", 10)] {
            #expect(labels[pair.0, default: 0] > pair.1, "\(pair.0)")
        }
    }

    @Test func garbageIsRejectedForTheRightReason() {
        var random = SimulationRandom(seed: 9)
        let expected: [GarbageKind: String] = [
            .malformedJSON: "invalid_json", .hugePayload: "payload_too_large", .invalidUTF8: "invalid_utf8",
            .empty: "empty_payload", .deepNesting: "too_deep", .hugeNumber: "number_out_of_range",
        ]
        for _ in 0..<20 {
            for kind in GarbageKind.allCases {
                let payload = kind.payload(ts: 1_763_880_000_000, random: &random)
                var reason: String?
                do { _ = try JSONParser.parseObject(payload) } catch { reason = error.reason }
                switch kind {
                case .impossibleValues:
                    #expect(reason == nil, "impossible values are valid JSON objects")
                case .wrongTypes:
                    #expect(reason == nil || reason == "not_an_object")
                default:
                    #expect(reason == expected[kind], "\(kind)")
                }
            }
        }
    }

    @Test(arguments: Scenario.catalog.map(\.name))
    func everyScenarioBuildsFromTheDefaultFleet(name: String) throws {
        let scenario = try Scenario.named(name, fleet: Self.fleet)
        #expect(!scenario.steps.isEmpty)
        for step in scenario.steps {
            #expect(step.fastDelaySeconds <= step.delaySeconds)
            let message = step.message(1_763_880_000_000 + step.tsOffsetMillis)
            if name == "garbage" { continue }
            let payload = try JSONParser.parseObject(message.payload)
            #expect(payload["ts"] == .number(Double(1_763_880_000_000 + step.tsOffsetMillis)))
        }
    }

    @Test func scenariosUseTheRightDevices() throws {
        let fire = try Scenario.named("smoke-fire", fleet: Self.fleet).steps.map { $0.message(0).topic }
        #expect(fire.contains("c01/smoke/SD-0001/event") && fire.contains("c01/smoke/SD-0002/event"))
        #expect(fire.contains("c01/sos/SOS-0001/event"))
        let welfare = try Scenario.named("welfare-absent", fleet: Self.fleet).steps
        #expect(welfare.map { $0.message(0).topic } == ["c01/door/DR-0003/event"])
        #expect(welfare[0].tsOffsetMillis == -49 * 3_600_000)
        #expect(throws: ScenarioError.self) { try Scenario.named("water-cluster", fleet: SimulatedFleet(devicesPerKind: 2)) }
        #expect(throws: ScenarioError.self) { try Scenario.named("no-such-thing", fleet: Self.fleet) }
    }
}
