extension SimulatedFleet {
    /// The registry header, in `DeviceRecord` field order (snake_case).
    public static let registryHeader = "id,kind,community,building,unit,address,grid,owner,report_interval_s,resident_name,resident_phone,lives_alone,emergency_contact"

    /// The fleet as a `devices.csv` registry (RFC 4180 quoting, `\n` line ends, header first).
    public var registryCSV: String {
        var lines = [Self.registryHeader]
        for device in devices {
            let fields = [
                device.id, device.kind.rawValue, device.community, device.building, device.unit, device.address,
                device.grid, device.owner, device.reportIntervalSeconds.map(String.init) ?? "",
                device.residentName, device.residentPhone, device.livesAlone.map { $0 ? "yes" : "no" } ?? "",
                device.emergencyContact,
            ]
            lines.append(fields.map(Self.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Quotes a CSV field when it holds a comma, quote or line break.
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + String(text.flatMap { $0 == "\"" ? ["\"", "\""] : [$0] }) + "\""
    }
}
