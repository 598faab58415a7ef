import LookoutTestSupport
/// The docs/domain.md example payloads (with `ts` filled in), the seeds for mutation fuzzing.
enum DomainPayloadCorpus {
    static let payloads: [String] = [
        #"{"ts":1763880000000,"tilt_deg":1.2,"water_overrun":false,"ch4_pct_lel":0,"battery_pct":87,"battery_v":3.52,"rsrp_dbm":-98}"#,
        #"{"ts":1763880000000,"event":"cover_tilt","state":"alarm","tilt_deg":22.4}"#,
        #"{"ts":1763880000000,"event":"cover_tilt","state":"normal","tilt_deg":0.9}"#,
        #"{"ts":1763880000000,"event":"water_overrun","state":"alarm"}"#,
        #"{"ts":1763880000000,"event":"gas","state":"alarm","ch4_pct_lel":25}"#,
        #"{"ts":1763880000000,"battery_pct":96,"concentration_pct":0,"temperature_c":24}"#,
        #"{"ts":1763880000000,"event":"smoke","state":"alarm","concentration_pct":18,"temperature_c":41}"#,
        #"{"ts":1763880000000,"event":"smoke","state":"normal"}"#,
        #"{"ts":1763880000000,"event":"fault","code":"chamber_contaminated"}"#,
        #"{"ts":1763880000000,"event":"low_battery","battery_pct":9}"#,
        #"{"ts":1763880000000,"event":"tamper","state":"removed"}"#,
        #"{"ts":1763880000000,"event":"self_test","result":"pass"}"#,
        #"{"ts":1763880000000,"event":"silenced","duration_s":600}"#,
        #"{"ts":1763880000000,"event":"access","result":"granted","method":"face","door":1,"direction":"in","credential":"E-0025"}"#,
        #"{"ts":1763880000000,"event":"access","result":"denied","method":"card","reason":"no_permission","door":1,"credential":"8165538"}"#,
        #"{"ts":1763880000000,"event":"door_forced","door":1}"#,
        #"{"ts":1763880000000,"event":"door_held_open","door":1,"open_s":120}"#,
        #"{"ts":1763880000000,"event":"door_closed","door":1}"#,
        #"{"ts":1763880000000,"event":"tamper","part":"reader","state":"alarm"}"#,
        #"{"ts":1763880000000,"event":"sos","press":"short"}"#,
        #"{"ts":1763880000000,"event":"sos_cancel","press":"long"}"#,
        #"{"ts":1763880000000,"battery_pct":64}"#,
        #"{"online":true}"#,
        #"{"online":false}"#,
    ]
}

/// Generates fuzz inputs: random valid JSON documents and mutations of the docs/domain.md payloads.
struct JSONFuzzGenerator {
    var random: SeededRandom

    init(seed: UInt64) { random = SeededRandom(seed: seed) }

    // MARK: Valid documents

    /// A random valid JSON document, usually an object, with random (legal) whitespace.
    mutating func validDocument() -> [UInt8] {
        var out: [UInt8] = []
        appendWhitespace(to: &out)
        if random.chance(0.9) { appendObject(to: &out, depth: 1) } else { appendValue(to: &out, depth: 1) }
        appendWhitespace(to: &out)
        return out
    }

    /// Nesting `levels` arrays deep inside an object: probes the depth limit on both sides of it.
    mutating func deepDocument(levels: Int) -> [UInt8] {
        Array(#"{"a":"#.utf8) + [UInt8](repeating: 0x5B, count: levels) + [0x31]
            + [UInt8](repeating: 0x5D, count: levels) + [0x7D]
    }

    private mutating func appendWhitespace(to out: inout [UInt8]) {
        while random.chance(0.15) { out.append(random.pick([0x20, 0x09, 0x0A, 0x0D])) }
    }

    private mutating func appendValue(to out: inout [UInt8], depth: Int) {
        let kinds = depth >= 4 ? 5 : 7
        switch random.below(kinds) {
        case 0: out += Array("null".utf8)
        case 1: out += Array((random.chance(0.5) ? "true" : "false").utf8)
        case 2, 3: appendNumber(to: &out)
        case 4: appendString(to: &out)
        case 5: appendObject(to: &out, depth: depth + 1)
        default: appendArray(to: &out, depth: depth + 1)
        }
    }

    private mutating func appendObject(to out: inout [UInt8], depth: Int) {
        out.append(0x7B)
        let count = random.below(depth == 1 ? 8 : 4)
        for index in 0..<count {
            if index > 0 { out.append(0x2C) }
            appendWhitespace(to: &out)
            if random.chance(0.7) {
                out += random.pick(Self.quotedKeys)
            } else {
                appendString(to: &out)
            }
            appendWhitespace(to: &out)
            out.append(0x3A)
            appendWhitespace(to: &out)
            appendValue(to: &out, depth: depth)
            appendWhitespace(to: &out)
        }
        out.append(0x7D)
    }

    private mutating func appendArray(to out: inout [UInt8], depth: Int) {
        out.append(0x5B)
        let count = random.below(4)
        for index in 0..<count {
            if index > 0 { out.append(0x2C) }
            appendWhitespace(to: &out)
            appendValue(to: &out, depth: depth)
            appendWhitespace(to: &out)
        }
        out.append(0x5D)
    }

    private mutating func appendString(to out: inout [UInt8]) {
        out.append(0x22)
        for _ in 0..<random.below(12) {
            switch random.below(10) {
            case 0...3: out.append(random.pick(Self.printableASCII))
            case 4: out += random.pick(Self.escapes)
            case 5: out += random.pick(Self.unicodeEscapes)
            case 6: out += Array((Self.unicodeEscape(0xD800 + UInt32(random.below(0x400))) + Self.unicodeEscape(0xDC00 + UInt32(random.below(0x400)))).utf8)
            case 7: out += random.pick(Self.rawUnicode)
            default: out += random.pick(Self.words)
            }
        }
        out.append(0x22)
    }

    private mutating func appendNumber(to out: inout [UInt8]) {
        var text = random.chance(0.3) ? "-" : ""
        switch random.below(6) {
        case 0: text += "0"
        case 1: text += String(random.below(1000))
        case 2: text += String(UInt64.random(in: 1...UInt64.max, using: &random))
        case 3: text += "1763880" + String(100_000 + random.below(900_000))
        case 4: text += "1" + String(repeating: "0", count: random.below(40)) + String(random.below(10))
        default: text += String(1 + random.below(9)) + String(random.below(100))
        }
        if random.chance(0.4) {
            text += "." + String(repeating: "0", count: random.below(3)) + String(random.below(100_000))
        }
        if random.chance(0.25) {
            text += random.pick(["e", "E"]) + random.pick(["", "+", "-"]) + String(random.chance(0.9) ? random.below(30) : random.pick([300, 307, 308, 309, 324, 330, 400]))
        }
        out += Array(text.utf8)
    }

    // MARK: Mutations

    /// A docs/domain.md payload with one to three random mutations applied.
    mutating func mutatedPayload() -> [UInt8] {
        var bytes = random.pick(Self.corpus)
        for _ in 0...random.below(3) { mutate(&bytes) }
        return bytes
    }

    /// `\\uXXXX` for a 16-bit code unit.
    static func unicodeEscape(_ value: UInt32) -> String {
        let hex = String(value, radix: 16)
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    private static func utf8(_ texts: [String]) -> [[UInt8]] { texts.map { Array($0.utf8) } }
    private static let corpus = utf8(DomainPayloadCorpus.payloads)
    private static let quotedKeys = utf8(["ts", "event", "state", "battery_pct", "tilt_deg", "door", "a", "社区"].map { "\"\($0)\"" })
    private static let escapes = utf8(["\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"])
    private static let unicodeEscapes = utf8([0x0000, 0x001F, 0x0041, 0x00E9, 0x4E2D, 0xFFFF, 0xE000, 0xD7FF, 0x007F].map { unicodeEscape($0) })
    private static let rawUnicode = utf8(["é", "中", "社区", "😀", "\u{10FFFF}", "\u{FFFF}", "\u{E000}", "\u{80}", "\u{7FF}", "\u{800}", "\u{7F}", "\u{FEFF}"])
    private static let words = utf8(["alarm", "normal", "E-0025", " ", "_"])
    private static let printableASCII: [UInt8] = (0x20...0x7E).filter { $0 != 0x22 && $0 != 0x5C }

    private static let insertions: [[UInt8]] = {
        let texts = ["\"", "[", "]", "{", "}", ",", ":", "\\", "\\u", "\\ud800", "\\udc00", "\\ud83d\\ude00", "\\u00e9",
                     "0", "-", ".", "e", "E+", "1e999", "-1e400", "1e-400", "NaN", "Infinity", "true", "null", " ",
                     "//", "/*", "'", "中", "\u{FEFF}", ",\"a\":1", "00", "-0", "0.", ".5"]
        let invalidUTF8: [[UInt8]] = [[0xFF], [0xFE], [0x80], [0xBF], [0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0xAF],
                                      [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xF0, 0x80, 0x80, 0xAF], [0xF4, 0x90, 0x80, 0x80],
                                      [0xF5, 0x80, 0x80, 0x80], [0xE4, 0xB8], [0xC3], [0xF0, 0x9F, 0x98]]
        let controls: [[UInt8]] = (0..<0x20).map { [UInt8($0)] } + [[0x7F]]
        return texts.map { Array($0.utf8) } + invalidUTF8 + controls
    }()

    private mutating func mutate(_ bytes: inout [UInt8]) {
        guard !bytes.isEmpty else {
            bytes = random.pick(Self.insertions)
            return
        }
        let at = random.below(bytes.count)
        switch random.below(9) {
        case 0: bytes[at] ^= UInt8(1) << UInt8(random.below(8))
        case 1: bytes[at] = UInt8(truncatingIfNeeded: random.next())
        case 2: bytes.remove(at: at)
        case 3: bytes.removeSubrange(at...)
        case 4, 5: bytes.insert(contentsOf: random.pick(Self.insertions), at: at)
        case 6:
            let end = min(bytes.count, at + 1 + random.below(12))
            bytes.insert(contentsOf: bytes[at..<end], at: random.below(bytes.count + 1))
        case 7:
            // Mostly shallow; now and then past JSONSerialization's 512 levels and far beyond.
            let levels = random.chance(0.97) ? random.pick([1, 2, 5, 31, 32, 33]) : random.pick([511, 512, 513, 5000])
            let closing = random.chance(0.5) ? [UInt8](repeating: 0x5D, count: levels) : []
            bytes.insert(contentsOf: [UInt8](repeating: 0x5B, count: levels) + [0x31] + closing, at: at)
        default:
            let huge = random.pick(["1" + String(repeating: "0", count: 300 + random.below(20)),
                                    "9" + String(repeating: "9", count: 30) + "e280", "1e308", "1.8e308", "2e-324",
                                    "-" + String(repeating: "7", count: 400), "0." + String(repeating: "0", count: 330) + "1"])
            bytes.insert(contentsOf: Array(huge.utf8), at: at)
        }
    }
}
