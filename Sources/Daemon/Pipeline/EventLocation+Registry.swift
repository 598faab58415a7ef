import EventCore
import Rules
import Vocabulary

extension EventLocation {
    /// Where a registered device's event is: every registry field the location keeps (`EventLocation.fields`,
    /// from the registry table), copied from the device's record.
    init(record: DeviceRecord) {
        self.init(registered: true)
        for field in Self.fields {
            switch field.spec.type {
            case .number: self[number: field] = record.number(of: field)
            case .text, .bool: self[text: field] = record.text(of: field) ?? ""
            }
        }
    }
}
