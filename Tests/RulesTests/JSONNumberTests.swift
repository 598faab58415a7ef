import LookoutTestSupport
import Testing
@testable import Rules

@Suite("JSON parser: numbers against the standard library")
struct JSONNumberTests {
    /// Every number text the grammar allows decodes bit for bit like `Double(_:)` (correctly rounded),
    /// through the exact fast path or the fallback; out-of-range texts are `numberOutOfRange`.
    @Test func numbersMatchDoubleParsingBitForBit() {
        var random = SeededRandom(seed: 0x5EED_0F_D0)
        var fastPathShapes = 0
        var mismatches = 0
        for _ in 0..<50_000 {
            let text = Self.randomNumberText(&random)
            let bytes = Array("{\"n\":\(text)}".utf8)
            let expected = Double(text)
            let result: Result<JSONObject, JSONError> = Result { () throws(JSONError) in try JSONParser.parseObject(bytes) }
            switch (result, expected) {
            case (.success(let object), let value?) where value.isFinite:
                guard case .number(let parsed)? = object["n"], parsed.bitPattern == value.bitPattern else {
                    mismatches += 1
                    Issue.record("\(text): got \(String(describing: object["n"])), expected \(value)")
                    continue
                }
                if text.count < 18 { fastPathShapes += 1 }
            case (.failure(.numberOutOfRange(offset: 5)), let value?) where !value.isFinite:
                break
            default:
                mismatches += 1
                Issue.record("\(text): got \(result), Double gives \(String(describing: expected))")
            }
            if mismatches >= 20 { break }
        }
        #expect(mismatches == 0)
        #expect(fastPathShapes > 10_000)
    }

    /// A random text in the JSON number grammar: short integers and decimals (the fast path), long
    /// mantissas, and exponents near the limits of Double.
    static func randomNumberText(_ random: inout SeededRandom) -> String {
        var text = random.chance(0.3) ? "-" : ""
        let integerDigits = random.chance(0.7) ? random.below(8) + 1 : random.below(25) + 1
        if integerDigits == 1 || random.chance(0.1) {
            text += String(random.below(10))
        } else {
            text += String(1 + random.below(9))
            for _ in 1..<integerDigits { text += String(random.below(10)) }
        }
        if random.chance(0.6) {
            text += "."
            for _ in 0..<(random.chance(0.8) ? random.below(6) + 1 : random.below(25) + 1) { text += String(random.below(10)) }
        }
        if random.chance(0.4) {
            text += random.pick(["e", "E", "e+", "e-", "E-"])
            text += String(random.chance(0.8) ? random.below(25) : random.pick([290, 300, 307, 308, 309, 320, 323, 324, 325, 340, 400]))
        }
        return text
    }
}
