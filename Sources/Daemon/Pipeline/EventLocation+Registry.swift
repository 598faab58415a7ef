import EventCore
import Rules
import Vocabulary

extension EventLocation {
    /// Where a registered device's event is: every registry field the location keeps (`EventLocation.fields`,
    /// from the registry table), copied from the device's record.
    init(record: DeviceRecord) {
        self.init(registered: true)
        for (field, isNumber) in Self.copied {
            if isNumber {
                self[number: field] = record.number(of: field)
            } else {
                self[text: field] = record.text(of: field) ?? ""
            }
        }
    }

    /// The fields copied and whether each is a number (made once: a raise reads no declarations).
    private static let copied = fields.map { ($0, $0.spec.type == .number) }
}
