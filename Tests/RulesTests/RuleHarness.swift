import Foundation
@testable import Rules
import Vocabulary

/// Drives a `RuleEngine` with a simulated clock; actions come back as short readable lines
/// (`raise smoke_alarm/SD-1 red`) so tests compare exact sequences.
final class RuleHarness {
    let engine: RuleEngine
    let start: EpochMillis
    private(set) var log: [String] = []

    /// Compiles `rules` (text) and starts an engine at `start` with `devices`.
    init(rules: String, devices: [DeviceRecord] = [], start: EpochMillis = 1_763_856_000_000, maxUnregistered: Int = 10_000) throws {
        let result = RuleCompiler.compile([RuleSource(fileName: "test.rules", text: rules)])
        guard let ruleSet = result.ruleSet else {
            throw HarnessError(message: RuleCompiler.render(result.diagnostics, sources: [RuleSource(fileName: "test.rules", text: rules)]))
        }
        self.start = start
        engine = RuleEngine(ruleSet: ruleSet, registry: DeviceRegistry(devices), maxUnregisteredDevices: maxUnregistered)
        engine.restoreState([], now: start)
    }

    /// Compiles the shipped rule file `name` (in config/rules.d).
    convenience init(shipped name: String, devices: [DeviceRecord] = []) throws {
        let path = ShippedRuleTests.rulesDirectory + "/\(name).rules"
        try self.init(rules: String(contentsOfFile: path, encoding: .utf8), devices: devices)
    }

    struct HarnessError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    static func format(_ action: RuleAction) -> String {
        "\(action.effect) \(action.eventKey) \(action.level.rawValue)"
    }

    /// Publishes `payload` on `topic` at `seconds` after start (it happened at `deviceAt` seconds after start,
    /// by the device's clock, when given); returns the actions, formatted.
    @discardableResult
    func publish(_ seconds: Double, _ topic: String, _ payload: KeyValuePairs<String, JSONValue>, deviceAt: Double? = nil) -> [String] {
        let actions = engine.process(message(seconds, topic, payload, deviceAt: deviceAt))
        let lines = actions.map(Self.format)
        log += lines
        return lines
    }

    /// The message `publish` sends (for a test that needs the actions themselves).
    func message(_ seconds: Double, _ topic: String, _ payload: KeyValuePairs<String, JSONValue>, deviceAt: Double? = nil) -> InboundMessage {
        let segments = TopicLayout.standard.match(topic) ?? [:]
        let object = JSONObject(payload.map { (key: $0.key, value: $0.value) })
        var message = InboundMessage(topic: topic, segments: segments, payload: object,
                                     payloadText: object.fields.isEmpty ? "{}" : JSONValue.object(object).jsonText,
                                     receivedAt: start + Int64(seconds * 1000))
        message.deviceTime = deviceAt.map { start + Int64($0 * 1000) }
        return message
    }

    /// Ticks once at `seconds` after start.
    @discardableResult
    func tick(_ seconds: Double) -> [String] {
        let lines = engine.tick(now: start + Int64(seconds * 1000)).map(Self.format)
        log += lines
        return lines
    }

    /// Ticks every `step` seconds from `from` to `to` (inclusive); returns every action.
    @discardableResult
    func run(from: Double, to: Double, step: Double = 1) -> [String] {
        var all: [String] = []
        var t = from
        while t <= to {
            all += tick(t)
            t += step
        }
        return all
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

/// Registry rows shared by the scenario tests.
enum Fixtures {
    /// A smoke alarm held for 3 s and cleared by the device, shared by the state and hold tests.
    static let smokeAlarmRule = """
    rule smoke_alarm {
      on "+/smoke/+/event"
      when event == "smoke" and state == "alarm"
      for 3s
      level red
      title "Smoke at {device.address}"
      clear when event == "smoke" and state == "normal"
    }
    """
    static let devices: [DeviceRecord] = [
        DeviceRecord(id: "MH-1", kind: "manhole", community: "c01", address: "North gate", grid: "grid-01", owner: "water", reportIntervalSeconds: 86_400),
        DeviceRecord(id: "MH-2", kind: "manhole", community: "c01", address: "East road", grid: "grid-01", owner: "water", reportIntervalSeconds: 86_400),
        DeviceRecord(id: "MH-3", kind: "manhole", community: "c01", address: "Car park", grid: "grid-02", owner: "power", reportIntervalSeconds: 86_400),
        DeviceRecord(id: "SD-1", kind: "smoke", community: "c01", building: "3", unit: "1", address: "B3 U1 #501", grid: "grid-03", owner: "property", reportIntervalSeconds: 3_600),
        DeviceRecord(id: "SD-2", kind: "smoke", community: "c01", building: "3", unit: "2", address: "B3 U2 #302", grid: "grid-03", owner: "property", reportIntervalSeconds: 3_600),
        DeviceRecord(id: "DR-1", kind: "door", community: "c01", building: "3", unit: "1", address: "B3 U1 entrance", grid: "grid-03", owner: "property"),
        DeviceRecord(id: "DR-9", kind: "door", community: "c01", building: "7", address: "B7 #101", grid: "grid-05",
                     residentName: "Li Ming", residentPhone: "138", livesAlone: true, emergencyContact: "Li Hua 139"),
        DeviceRecord(id: "SOS-1", kind: "sos", community: "c01", building: "3", address: "B3 U1 #502", grid: "grid-03",
                     residentName: "Wang Fang", residentPhone: "137", livesAlone: true, emergencyContact: "Wang Lei"),
    ]
}
