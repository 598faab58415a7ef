import Foundation
import Testing
@testable import Rules

/// Differential fuzzing: our parser against Foundation's JSONSerialization.
///
/// Deliberate differences (counted, not failures):
/// - JSONSerialization accepts trailing commas (`[1,]`, `{"a":1,}`) and a leading byte-order mark;
///   RFC 8259 allows neither in a JSON text we produce or expect from devices, so we reject them.
///   An input that differs only by these is checked by stripping them and comparing again.
/// - JSONSerialization drops every U+FEFF (zero-width no-break space) from strings and keys; we keep
///   them, as the text says. Strings are compared without U+FEFF.
/// - JSONSerialization converts numbers lazily and never range-checks one in a value that a later
///   duplicate key replaces; we reject any out-of-range number (`numberOutOfRange`).
/// - Duplicate keys: both keep the last value on lookup (we also keep every field in order).
/// - Top-level scalars: compared with `.fragmentsAllowed`; `parseObject` then rejects them (`notAnObject`).
/// - Depth: compared at our hard cap of 512 levels, which is JSONSerialization's limit too.
@Suite("JSON parser: differential fuzz against JSONSerialization")
struct JSONFuzzTests {
    /// The limits the comparison runs with: no size limit, JSONSerialization's depth.
    static let comparisonLimits = JSONLimits(maxBytes: .max, maxDepth: ByteJSONParser.hardMaxDepth)

    @Test func randomValidDocumentsAgreeWithFoundation() {
        var tally = FuzzTally()
        var generator = JSONFuzzGenerator(seed: 0x100C_0017)
        for index in 0..<30_000 {
            let input = index % 500 == 0 ? generator.deepDocument(levels: 505 + index / 500 % 15) : generator.validDocument()
            compare(input, index: index, tally: &tally)
            if tally.failures >= 20 { break }
        }
        #expect(tally.failures == 0)
        // Nearly all generated documents are valid; the rest hold out-of-range numbers or nest too deep.
        #expect(tally.bothAccepted > 25_000)
        #expect(tally.rejectReasons.keys.sorted() == ["number_out_of_range", "too_deep"])
    }

    @Test func mutatedDomainPayloadsAgreeWithFoundation() {
        var tally = FuzzTally()
        var generator = JSONFuzzGenerator(seed: 0xD0_3A17)
        for index in 0..<70_000 {
            compare(generator.mutatedPayload(), index: index, tally: &tally)
            if tally.failures >= 20 { break }
        }
        #expect(tally.failures == 0)
        // The mutations must exercise both outcomes, every reject reason and the documented differences.
        #expect(tally.bothAccepted > 5_000)
        #expect(tally.bothRejected > 40_000)
        #expect(tally.deliberateDifferences > 0)
        #expect(tally.rejectReasons.keys.sorted() == ["empty_payload", "invalid_json", "invalid_utf8", "number_out_of_range", "too_deep"])
    }

    @Test func everyPrefixOfEveryDomainPayloadIsHandled() {
        var tally = FuzzTally()
        for payload in DomainPayloadCorpus.payloads {
            let bytes = Array(payload.utf8)
            for length in 0...bytes.count { compare(Array(bytes[..<length]), index: length, tally: &tally) }
        }
        #expect(tally.failures == 0)
        #expect(tally.bothAccepted == DomainPayloadCorpus.payloads.count)
    }

    /// Runs both parsers on `input` and records any disagreement as an issue.
    private func compare(_ input: [UInt8], index: Int, tally: inout FuzzTally) {
        let ours = Self.parse(input)
        let theirs = try? JSONSerialization.jsonObject(with: Data(input), options: [.fragmentsAllowed])
        switch (ours, theirs) {
        case (.success(let value), let theirs?):
            if JSONAgreement.agrees(value, theirs) {
                tally.bothAccepted += 1
                checkRoundTrip(value, input: input, index: index, tally: &tally)
            } else {
                tally.fail("values differ: ours \(value.jsonText), Foundation \(theirs)", input: input, index: index)
            }
        case (.failure(let error), nil):
            tally.bothRejected += 1
            tally.rejectReasons[error.reason, default: 0] += 1
            checkOffsets(error, input: input, index: index, tally: &tally)
        case (.failure(let error), let theirs?):
            if Self.differsOnlyDeliberately(input, theirs) {
                tally.deliberateDifferences += 1
            } else {
                tally.fail("we reject (\(error)) what Foundation accepts: \(theirs)", input: input, index: index)
            }
        case (.success(let value), nil):
            tally.fail("we accept what Foundation rejects: \(value.jsonText)", input: input, index: index)
        }
    }

    /// Accepted values print as JSON that parses back to the same value.
    private func checkRoundTrip(_ value: JSONValue, input: [UInt8], index: Int, tally: inout FuzzTally) {
        guard case .success(let again) = Self.parse(Array(value.jsonText.utf8)), again == value else {
            tally.fail("jsonText does not round-trip: \(value.jsonText)", input: input, index: index)
            return
        }
    }

    /// Every offset an error carries lies inside the payload (or just past its end).
    private func checkOffsets(_ error: JSONError, input: [UInt8], index: Int, tally: inout FuzzTally) {
        let offset: Int?
        switch error {
        case .invalidUTF8(let at), .numberOutOfRange(let at), .syntax(let at, _): offset = at
        default: offset = nil
        }
        if let offset, !(0...input.count).contains(offset) {
            tally.fail("offset \(offset) outside the payload for \(error)", input: input, index: index)
        }
    }

    private static func parse(_ bytes: [UInt8]) -> Result<JSONValue, JSONError> {
        bytes.withUnsafeBytes { buffer in
            do throws(JSONError) {
                return .success(try JSONParser.parse(buffer, limits: comparisonLimits))
            } catch {
                return .failure(error)
            }
        }
    }

    /// Whether an input we reject and JSONSerialization accepts only differs by a documented deviation:
    /// we accept it, with JSONSerialization's value, once its trailing commas and byte-order mark are
    /// removed and its out-of-range numbers are replaced by 0 (JSONSerialization converts numbers
    /// lazily, so it never notices one in a value that a later duplicate key replaces).
    static func differsOnlyDeliberately(_ input: [UInt8], _ theirs: Any) -> Bool {
        var candidate = withoutFoundationExtensions(input)
        for _ in 0..<32 {
            switch parse(candidate) {
            case .success(let value):
                return JSONAgreement.agrees(value, theirs)
            case .failure(.numberOutOfRange(let offset)):
                var end = offset + 1
                while end < candidate.count, Array("0123456789+-.eE".utf8).contains(candidate[end]) { end += 1 }
                candidate.replaceSubrange(offset..<end, with: [ASCII.zero])
            case .failure:
                return false
            }
        }
        return false
    }

    /// `input` without the non-standard syntax JSONSerialization tolerates: a leading byte-order mark,
    /// and commas directly (whitespace aside) before `]` or `}` outside strings.
    static func withoutFoundationExtensions(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var output: [UInt8] = []
        var inString = false
        var escaped = false
        var pendingComma: Int?
        for byte in bytes {
            if inString {
                if escaped { escaped = false } else if byte == 0x5C { escaped = true } else if byte == 0x22 { inString = false }
                output.append(byte)
                continue
            }
            switch byte {
            case 0x2C: pendingComma = output.count
            case 0x5D, 0x7D: if let comma = pendingComma { output.remove(at: comma) }
            case 0x20, 0x09, 0x0A, 0x0D: break
            default: pendingComma = nil
            }
            if byte == 0x5D || byte == 0x7D { pendingComma = nil }
            if byte == 0x22 { inString = true }
            output.append(byte)
        }
        return output
    }
}

/// Counts of fuzz outcomes, and the first few failures as recorded issues.
struct FuzzTally {
    var bothAccepted = 0
    var bothRejected = 0
    var deliberateDifferences = 0
    var failures = 0
    var rejectReasons: [String: Int] = [:]

    mutating func fail(_ message: String, input: [UInt8], index: Int) {
        failures += 1
        let hex = input.prefix(200).map { String($0, radix: 16) }.joined(separator: " ")
        Issue.record("fuzz input #\(index): \(message)\n  input (hex): \(hex)")
    }
}

/// Whether our value and JSONSerialization's agree.
enum JSONAgreement {
    static func agrees(_ ours: JSONValue, _ theirs: Any) -> Bool {
        switch ours {
        case .null:
            return theirs is NSNull
        case .bool(let flag):
            guard let number = theirs as? NSNumber, isBoolean(number) else { return false }
            return number.boolValue == flag
        case .number(let value):
            guard let number = theirs as? NSNumber, !isBoolean(number) else { return false }
            if number.doubleValue == value { return true }
            // NSDecimalNumber (integers beyond 64 bits) converts without correct rounding: allow an ulp or two.
            return number is NSDecimalNumber && abs(number.doubleValue - value) <= abs(value) * 4 * Double.ulpOfOne
        case .string(let string):
            guard let other = theirs as? String else { return false }
            return withoutByteOrderMarks(string).unicodeScalars.elementsEqual(withoutByteOrderMarks(other).unicodeScalars)
        case .array(let items):
            guard let others = theirs as? [Any], others.count == items.count else { return false }
            return zip(items, others).allSatisfy { agrees($0, $1) }
        case .object(let object):
            guard let others = theirs as? [String: Any] else { return false }
            var mine: [String: JSONValue] = [:]
            for field in object.fields { mine[withoutByteOrderMarks(field.key)] = field.value }
            var theirsByKey: [String: Any] = [:]
            for (key, value) in others { theirsByKey[withoutByteOrderMarks(key)] = value }
            guard mine.count == theirsByKey.count else { return false }
            return mine.allSatisfy { key, value in theirsByKey[key].map { agrees(value, $0) } ?? false }
        }
    }

    /// `text` without U+FEFF, which JSONSerialization drops from decoded strings and keys.
    private static func withoutByteOrderMarks(_ text: String) -> String {
        guard text.unicodeScalars.contains("\u{FEFF}") else { return text }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: text.unicodeScalars.filter { $0 != "\u{FEFF}" })
        return String(scalars)
    }

    private static func isBoolean(_ number: NSNumber) -> Bool { String(cString: number.objCType) == "c" }
}
