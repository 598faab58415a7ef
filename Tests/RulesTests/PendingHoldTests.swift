import LookoutTestSupport
@testable import Rules
import Testing
import Vocabulary

/// Pending `for` holds fire at the first tick at or after their due time, in the order of device ids,
/// exactly as a scan of every pending device at every tick would have them (the tick now looks at
/// pending holds only once the earliest is due).
struct PendingHoldTests {
    static let rules = Fixtures.smokeAlarmRule

    @Test(arguments: [11, 12, 13, 14] as [UInt64])
    func holdsFireAsAScanWould(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let start: EpochMillis = 1_763_856_000_000
        let h = try RuleHarness(rules: Self.rules, start: start)
        let devices = (0..<12).map { "SD-\($0)" }
        // The model: pending since, and raised (active), per device.
        var pending: [String: EpochMillis] = [:]
        var active: Set<String> = []
        var now = start
        for _ in 0..<600 {
            now += EpochMillis.random(in: 0..<1_500, using: &random)
            let device = devices.randomElement(using: &random)!
            let segments = TopicLayout.standard.match("c01/smoke/\(device)/event") ?? [:]
            if Bool.random(using: &random) {
                let alarm = Int.random(in: 0..<3, using: &random) != 0
                let payload = JSONObject([("event", "smoke"), ("state", .string(alarm ? "alarm" : "normal"))])
                let actions = h.engine.process(InboundMessage(topic: "c01/smoke/\(device)/event", segments: segments,
                                                              payload: payload, payloadText: "", receivedAt: now))
                if alarm, active.contains(device) {
                    #expect(actions.map(\.effect) == [.raise])  // a repeat of the raised event
                } else if alarm {
                    if pending[device] == nil { pending[device] = now }
                    #expect(actions.isEmpty)
                } else if active.remove(device) != nil {
                    #expect(actions.map(\.effect) == [.clear])
                } else {
                    pending[device] = nil
                    #expect(actions.isEmpty)
                }
            } else {
                // A scan: every pending device whose hold is over fires, in the order of its id.
                let due = pending.filter { now >= $0.value + 3_000 }.keys.sorted()
                let fired = h.engine.tick(now: now).filter { $0.effect == .raise }.map(\.deviceID)
                #expect(fired == due)
                for device in due {
                    pending[device] = nil
                    active.insert(device)
                }
            }
        }
    }
}
