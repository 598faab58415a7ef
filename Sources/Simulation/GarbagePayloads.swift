/// Deliberately bad payloads (docs/domain.md situation 12): the daemon must count and keep them, never crash.
public enum GarbageKind: String, CaseIterable, Sendable {
    /// Not JSON: truncated, trailing comma, single quotes, NaN, comments.
    case malformedJSON = "malformed_json"
    /// JSON with the wrong types (strings for numbers, arrays where objects go, a bare scalar).
    case wrongTypes = "wrong_types"
    /// Values no device can report (battery 250 %, tilt -400°, a timestamp in 1970).
    case impossibleValues = "impossible_values"
    /// A payload above the 64 KiB limit.
    case hugePayload = "huge_payload"
    /// Bytes that are not UTF-8.
    case invalidUTF8 = "invalid_utf8"
    /// Nothing at all.
    case empty
    /// Brackets nested far beyond the depth limit.
    case deepNesting = "deep_nesting"
    /// A number beyond Double's range.
    case hugeNumber = "huge_number"
}

extension GarbageKind {
    /// A garbage message of this kind on `device`'s telemetry or event topic.
    public func message(for device: SimulatedDevice, ts: Int64, random: inout SimulationRandom) -> SimulatedMessage {
        SimulatedMessage(topic: device.topic(random.chance(0.5) ? .telemetry : .event), payload: payload(ts: ts, random: &random),
                         label: "garbage:\(rawValue)")
    }

    /// The payload bytes.
    public func payload(ts: Int64, random: inout SimulationRandom) -> [UInt8] {
        switch self {
        case .malformedJSON:
            return Array(random.pick([
                "{\"ts\":\(ts),\"battery_pct\":87", "{\"ts\":\(ts),\"event\":\"smoke\",}", "{'ts':\(ts),'event':'sos'}",
                "{\"ts\":\(ts),\"tilt_deg\":NaN}", "{\"ts\":\(ts)} // heartbeat", "ts=\(ts);battery=87", "{\"ts\":0\(ts)}",
                "{\"event\":\"access\" \"result\":\"granted\"}",
            ]).utf8)
        case .wrongTypes:
            return Array(random.pick([
                "{\"ts\":\"yesterday\",\"battery_pct\":\"high\"}", "[\(ts),87,3.52]", "\"online\"", "true",
                "{\"ts\":\(ts),\"tilt_deg\":true,\"water_overrun\":\"no\"}", "{\"ts\":\(ts),\"event\":42}", "{\"ts\":null,\"event\":[\"sos\"]}",
            ]).utf8)
        case .impossibleValues:
            return Array(random.pick([
                "{\"ts\":\(ts),\"battery_pct\":250,\"concentration_pct\":0,\"temperature_c\":24}",
                "{\"ts\":\(ts),\"tilt_deg\":-400,\"water_overrun\":false,\"ch4_pct_lel\":0,\"battery_pct\":87,\"battery_v\":3.52,\"rsrp_dbm\":-98}",
                "{\"ts\":1,\"battery_pct\":64}", "{\"ts\":\(ts),\"event\":\"smoke\",\"state\":\"melting\"}",
                "{\"ts\":\(ts),\"event\":\"teleport\",\"door\":-7}",
            ]).utf8)
        case .hugePayload:
            return Array("{\"ts\":\(ts),\"blob\":\"".utf8) + [UInt8](repeating: 0x41, count: 70_000) + Array("\"}".utf8)
        case .invalidUTF8:
            let bad: [UInt8] = random.pick([[0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE4, 0xB8]])
            return Array("{\"ts\":\(ts),\"event\":\"access\",\"credential\":\"".utf8) + bad + Array("\"}".utf8)
        case .empty:
            return []
        case .deepNesting:
            let depth = random.int(in: 100...2_000)
            return Array("{\"ts\":\(ts),\"a\":".utf8) + [UInt8](repeating: 0x5B, count: depth) + [UInt8](repeating: 0x5D, count: depth) + [0x7D]
        case .hugeNumber:
            return Array("{\"ts\":\(ts),\"battery_pct\":1e999}".utf8)
        }
    }
}
