import LookoutTestSupport
@testable import Rules
import Testing
import Vocabulary

/// The engine's state table against a plain model (a dictionary per rule keyed by device id, and a set of
/// changed keys), under random operations: every look-up and every taken change must agree with the model.
struct RuleStateTableTests {
    /// What the table must hold: states by (rule, device id); keys changed since the last take.
    struct Model {
        var states: [Int: [String: RuleKeyState]] = [:]
        var changed: Set<String> = []
    }

    static func key(_ rule: Int, _ device: String) -> String { RuleEngine.storageKey(rule: "r\(rule)", key: device) }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func randomOperationsAgreeWithAModel(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var table = RuleStateTable()
        var model = Model()
        let devices = (0..<40).map { "D-\($0)" }
        let rules = 0..<4
        for step in 0..<4_000 {
            let device = devices.randomElement(using: &random)!
            let rule = rules.randomElement(using: &random)!
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<4:
                // Store a state (empty one time in four: the key's deletion).
                let index = table.addDevice(device, record: nil)
                var state = RuleKeyState()
                if Int.random(in: 0..<4, using: &random) != 0 { state.lastSeen = EpochMillis(step) }
                let entry = table.entry(rule: rule, device: index)
                if entry == nil, state.isEmpty { continue }
                let target = entry ?? table.entryCreating(rule: rule, device: index)
                table[target] = state
                table.markDirty(target)
                model.states[rule, default: [:]][device] = state.isEmpty ? nil : state
                model.changed.insert(Self.key(rule, device))
            case 4..<6:
                // Change a state in place without marking it (a recent sighting).
                guard let index = table.device(device), let entry = table.entry(rule: rule, device: index),
                      !table[entry].isEmpty else { continue }
                table[entry].lastSeen = EpochMillis(step)
                model.states[rule, default: [:]][device]?.lastSeen = EpochMillis(step)
            case 6:
                // Forget the device (an evicted unregistered device): its states go, reported as deletions.
                guard let index = table.device(device) else { continue }
                for removedRule in table.removeDevice(index) {
                    model.changed.insert(Self.key(removedRule, device))
                }
                for rule in rules { model.states[rule]?[device] = nil }
            case 7:
                // Take the changes: exactly the changed keys, each once, with their current state.
                var taken: [String: RuleKeyState?] = [:]
                table.takeDirty { rule, id, state in
                    let key = Self.key(rule, id)
                    #expect(!taken.keys.contains(key), "taken twice: \(key)")
                    taken[key] = .some(state.isEmpty ? nil : state)
                }
                for key in taken.keys { #expect(model.changed.contains(key), "not changed: \(key)") }
                // Keys of forgotten devices are reported by the engine itself (`dirty`), not by the table.
                for key in model.changed where taken[key] == nil {
                    let parts = key.split(separator: "/")
                    let id = String(parts[1]), rule = Int(parts[0].dropFirst())!
                    #expect(model.states[rule]?[id] == nil, "changed but not taken: \(key)")
                }
                for (key, state) in taken {
                    let parts = key.split(separator: "/")
                    let expected = model.states[Int(parts[0].dropFirst())!]?[String(parts[1])]
                    #expect(expected?.lastSeen == state?.lastSeen && (expected == nil) == (state == nil), "\(key)")
                }
                model.changed.removeAll()
            default:
                // Move the rules: rule 3 is dropped, the others shift by one.
                guard Int.random(in: 0..<20, using: &random) == 0 else { continue }
                let dropped = table.remapRules { $0 == 3 ? nil : ($0 + 1) % 4 }
                // Every state of rule 3 is dropped (and entries whose deletion was not taken yet).
                #expect(dropped.allSatisfy { $0.rule == 3 })
                #expect(Set(model.states[3, default: [:]].keys).isSubset(of: dropped.map(\.deviceID)))
                var moved: [Int: [String: RuleKeyState]] = [:]
                for (rule, states) in model.states where rule != 3 { moved[(rule + 1) % 4] = states }
                model.states = moved
                model.changed = []
                table.takeDirty { _, _, _ in }
            }
            // Every look-up agrees with the model.
            for id in devices {
                for rule in rules {
                    let state = table.device(id).flatMap { table.state(rule: rule, device: $0) }
                    let expected = model.states[rule]?[id]
                    #expect((state.map { $0.isEmpty } ?? true) == (expected == nil), "step \(step): \(rule)/\(id)")
                    if let expected { #expect(state?.lastSeen == expected.lastSeen) }
                }
            }
        }
    }

    @Test func indicesOfForgottenDevicesAndReleasedEntriesAreReused() {
        var table = RuleStateTable()
        for round in 0..<100 {
            let device = table.addDevice("U-\(round)", record: nil)
            let entry = table.entryCreating(rule: 0, device: device)
            table[entry].lastSeen = 1
            table.markDirty(entry)
            _ = table.removeDevice(device)
        }
        table.takeDirty { _, _, _ in Issue.record("a forgotten device's entry was taken") }
        #expect(table.deviceCount == 0)
        #expect(table.devices.count == 1)
        #expect(table.entries.count == 1)
    }
}
