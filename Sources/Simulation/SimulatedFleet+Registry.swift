import Vocabulary

extension SimulatedFleet {
    /// The registry columns the simulator writes (the registry table's, `RegistryField`), in this order.
    static let registryFields: [RegistryField] = [
        .id, .kind, .community, .building, .unit, .address, .grid, .owner, .reportInterval, .residentName,
        .residentPhone, .livesAlone, .emergencyContact,
    ]

    /// The registry header: the columns of `registryFields`.
    public static let registryHeader = registryFields.map(\.column).joined(separator: ",")

    /// The fleet as a `devices.csv` registry (RFC 4180 quoting, `\n` line ends, header first).
    public var registryCSV: String {
        var lines = [Self.registryHeader]
        for device in devices {
            lines.append(Self.registryFields.map { Self.csvField(device.registryText(of: $0)) }.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Quotes a CSV field when it holds a comma, quote or line break.
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + String(text.flatMap { $0 == "\"" ? ["\"", "\""] : [$0] }) + "\""
    }
}
