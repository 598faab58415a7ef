import Foundation
@testable import Rules
import Testing
import Vocabulary

/// The registry table (`RegistryField`) is the one declaration of the registry's fields: what CSV loading reads,
/// what rules may name and what the evaluator returns all follow from it.
@Suite struct RegistryFieldTests {
    /// A registry value for every column of the table, as the CSV holds it.
    static func csvValue(_ field: RegistryField) -> String {
        switch field {
        case .id: "SOS-1"
        case .kind: "sos"
        case .residentID: "R-1"
        case .emergencyPhone: "13900000001"
        default:
            switch field.spec.type {
            case .text: "v-\(field.column)"
            case .number: "60"
            case .bool: "yes"
            }
        }
    }

    /// What a title placeholder shows for `field`.
    static func shown(_ field: RegistryField) -> String {
        switch field.spec.type {
        case .text: csvValue(field)
        case .number: "60"
        case .bool: "true"
        }
    }

    @Test func everyFieldRulesNameIsReadFromItsRegistryColumn() throws {
        let fields = RegistryField.allCases
        let csv = fields.map(\.column).joined(separator: ",") + "\n" + fields.map(Self.csvValue).joined(separator: ",") + "\n"
        let registry = try DeviceRegistry(csv: csv)
        let record = try #require(registry["SOS-1"])
        #expect(record.extra.isEmpty, "every column of the table is a field of its own, not an extra column")

        let readable = fields.filter { $0.spec.ruleName != nil }
        #expect(readable.count >= 13)
        let title = readable.map { "{\($0.spec.ruleName!)}" }.joined(separator: "|")
        let rules = """
            rule fields {
              on kind sos channel event
              when press == "long"
              level red
              title "\(title)"
              team "community-office"
            }
            """
        let harness = try RuleHarness(rules: rules, devices: Array(registry.devices.values))
        let actions = harness.engine.process(harness.message(1, "c01/sos/SOS-1/event", ["press": .string("long")]))
        let raised = try #require(actions.first)
        #expect(raised.title == readable.map(Self.shown).joined(separator: "|"))
    }

    @Test func theCheckerKnowsEveryFieldAndItsType() {
        for field in RegistryField.allCases {
            guard let name = field.spec.ruleName else { continue }
            let parts = name.split(separator: ".").map(String.init)
            let types = parts[0] == "device" ? KnownFields.deviceTypes : KnownFields.residentTypes
            #expect(types[parts[1]] == StaticType(field.spec.type), "\(name)")
        }
        #expect(KnownFields.residentTypes["away"] == .bool)
    }
}
