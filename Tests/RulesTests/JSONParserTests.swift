import Testing
@testable import Rules

/// Parses `text` as a device payload.
private func object(_ text: String, limits: JSONLimits = JSONLimits()) throws(JSONError) -> JSONObject {
    try JSONParser.parseObject(Array(text.utf8), limits: limits)
}

/// The error `bytes` is rejected with, or nil when it parses.
private func rejection(_ bytes: [UInt8], limits: JSONLimits = JSONLimits()) -> JSONError? {
    do {
        _ = try JSONParser.parseObject(bytes, limits: limits)
        return nil
    } catch {
        return error
    }
}

private func rejection(_ text: String, limits: JSONLimits = JSONLimits()) -> JSONError? {
    rejection(Array(text.utf8), limits: limits)
}

@Suite("JSON parser: the device payloads of docs/domain.md")
struct JSONDomainPayloadTests {
    @Test func manholeTelemetry() throws {
        let payload = try object(#"{"ts":1763880000000,"tilt_deg":1.2,"water_overrun":false,"ch4_pct_lel":0,"battery_pct":87,"battery_v":3.52,"rsrp_dbm":-98}"#)
        #expect(payload.fields.map(\.key) == ["ts", "tilt_deg", "water_overrun", "ch4_pct_lel", "battery_pct", "battery_v", "rsrp_dbm"])
        #expect(payload["ts"] == .number(1_763_880_000_000))
        #expect(payload["tilt_deg"] == .number(1.2))
        #expect(payload["water_overrun"] == .bool(false))
        #expect(payload["ch4_pct_lel"] == .number(0))
        #expect(payload["battery_pct"] == .number(87))
        #expect(payload["battery_v"] == .number(3.52))
        #expect(payload["rsrp_dbm"] == .number(-98))
    }

    @Test func manholeEvents() throws {
        let tilt = try object(#"{"ts":1763880000000,"event":"cover_tilt","state":"alarm","tilt_deg":22.4}"#)
        #expect(tilt["event"] == .string("cover_tilt"))
        #expect(tilt["state"] == .string("alarm"))
        #expect(tilt["tilt_deg"] == .number(22.4))
        let normal = try object(#"{"ts":1763880000000,"event":"cover_tilt","state":"normal","tilt_deg":0.9}"#)
        #expect(normal["state"] == .string("normal"))
        #expect(normal["tilt_deg"] == .number(0.9))
        let water = try object(#"{"ts":1763880000000,"event":"water_overrun","state":"alarm"}"#)
        #expect(water["event"] == .string("water_overrun"))
        let gas = try object(#"{"ts":1763880000000,"event":"gas","state":"alarm","ch4_pct_lel":25}"#)
        #expect(gas["ch4_pct_lel"] == .number(25))
    }

    @Test func smokePayloads() throws {
        let heartbeat = try object(#"{"ts":1763880000000,"battery_pct":96,"concentration_pct":0,"temperature_c":24}"#)
        #expect(heartbeat["temperature_c"] == .number(24))
        let alarm = try object(#"{"ts":1763880000000,"event":"smoke","state":"alarm","concentration_pct":18,"temperature_c":41}"#)
        #expect(alarm["concentration_pct"] == .number(18))
        #expect(try object(#"{"event":"smoke","state":"normal"}"#)["state"] == .string("normal"))
        #expect(try object(#"{"event":"fault","code":"chamber_contaminated"}"#)["code"] == .string("chamber_contaminated"))
        #expect(try object(#"{"event":"low_battery","battery_pct":9}"#)["battery_pct"] == .number(9))
        #expect(try object(#"{"event":"tamper","state":"removed"}"#)["state"] == .string("removed"))
        #expect(try object(#"{"event":"self_test","result":"pass"}"#)["result"] == .string("pass"))
        #expect(try object(#"{"event":"silenced","duration_s":600}"#)["duration_s"] == .number(600))
    }

    @Test func doorPayloads() throws {
        let granted = try object(#"{"ts":1763880000000,"event":"access","result":"granted","method":"face","door":1,"direction":"in","credential":"E-0025"}"#)
        #expect(granted == JSONObject([
            ("ts", .number(1_763_880_000_000)), ("event", .string("access")), ("result", .string("granted")),
            ("method", .string("face")), ("door", .number(1)), ("direction", .string("in")), ("credential", .string("E-0025")),
        ]))
        let denied = try object(#"{"event":"access","result":"denied","method":"card","reason":"no_permission","door":1,"credential":"8165538"}"#)
        #expect(denied["credential"] == .string("8165538"))
        #expect(denied["reason"] == .string("no_permission"))
        #expect(try object(#"{"event":"door_forced","door":1}"#)["door"] == .number(1))
        #expect(try object(#"{"event":"door_held_open","door":1,"open_s":120}"#)["open_s"] == .number(120))
        #expect(try object(#"{"event":"door_closed","door":1}"#)["event"] == .string("door_closed"))
        #expect(try object(#"{"event":"tamper","part":"reader","state":"alarm"}"#)["part"] == .string("reader"))
    }

    @Test func sosAndStatusPayloads() throws {
        #expect(try object(#"{"ts":1763880000000,"event":"sos","press":"short"}"#)["press"] == .string("short"))
        #expect(try object(#"{"ts":1763880000000,"event":"sos_cancel","press":"long"}"#)["event"] == .string("sos_cancel"))
        #expect(try object(#"{"ts":1763880000000,"battery_pct":64}"#)["battery_pct"] == .number(64))
        #expect(try object(#"{"online":true}"#)["online"] == .bool(true))
        #expect(try object(#"{"online":false}"#)["online"] == .bool(false))
    }
}

@Suite("JSON parser: values")
struct JSONValueParsingTests {
    @Test func whitespaceNestingAndLiterals() throws {
        let payload = try object(" \t\r\n{ \"a\" : [ 1 , { \"b\" : null } , [ ] , { } ] , \"c\" : true }\n ")
        #expect(payload["a"] == .array([.number(1), .object(JSONObject([("b", .null)])), .array([]), .object(JSONObject())]))
        #expect(payload["c"] == .bool(true))
    }

    @Test func duplicateKeysKeepBothAndLastWins() throws {
        let payload = try object(#"{"a":1,"a":2}"#)
        #expect(payload.fields.count == 2)
        #expect(payload["a"] == .number(2))
    }

    @Test func numbers() throws {
        let cases: [(String, Double)] = [
            ("0", 0), ("-0", -0.0), ("1", 1), ("-98", -98), ("3.52", 3.52), ("0.1", 0.1), ("1e2", 100),
            ("1E+2", 100), ("25e-1", 2.5), ("-0.000123", -0.000123), ("9007199254740993", 9_007_199_254_740_992),
            ("123456789012345678901234567890", 123456789012345678901234567890.0), ("1e-400", 0),
            ("1.7976931348623157e308", .greatestFiniteMagnitude), ("4.9e-324", .leastNonzeroMagnitude),
            ("0.30000000000000004", 0.30000000000000004), ("2.2250738585072014e-308", 2.2250738585072014e-308),
            ("1763880000000", 1_763_880_000_000), ("12345678901234567890", 12_345_678_901_234_567_168),
        ]
        for (text, expected) in cases {
            let value = try object("{\"n\":\(text)}")["n"]
            #expect(value == .number(expected), "\(text)")
            if case .number(let parsed) = value { #expect(parsed.sign == expected.sign, "\(text)") }
        }
    }

    @Test func stringsAndEscapes() throws {
        let payload = try object(#"{"s":"a\"b\\c\/d\b\f\n\r\t","u":"\u00e9\u4E2D\ud83d\ude00","z":"\u0000","raw":"社区 ✓ 😀"}"#)
        #expect(payload["s"] == .string("a\"b\\c/d\u{08}\u{0C}\n\r\t"))
        #expect(payload["u"] == .string("é中😀"))
        #expect(payload["z"] == .string("\u{0}"))
        #expect(payload["raw"] == .string("社区 ✓ 😀"))
        #expect(try object(#"{"社区":"网格"}"#)["社区"] == .string("网格"))
    }

    @Test func depthLimitAllowsExactlyTheLimit() throws {
        let limits = JSONLimits(maxDepth: 4)
        _ = try object(#"{"a":{"b":{"c":[1]}}}"#, limits: limits)
        #expect(rejection(#"{"a":{"b":{"c":[[1]]}}}"#, limits: limits) == .tooDeep(limit: 4))
    }

    @Test func hugeNestingIsRejectedWithoutRecursingIntoIt() {
        let open = [UInt8](repeating: ASCII.openBracket, count: 100_000)
        #expect(rejection([ASCII.openBrace, ASCII.quote, ASCII.a, ASCII.quote, ASCII.colon] + open, limits: JSONLimits(maxBytes: 1 << 20))
            == .tooDeep(limit: 32))
        // A configured limit above the hard cap is clamped, not trusted.
        let generous = JSONLimits(maxBytes: 1 << 20, maxDepth: 1_000_000)
        #expect(rejection([ASCII.openBrace, ASCII.quote, ASCII.a, ASCII.quote, ASCII.colon] + open, limits: generous)
            == .tooDeep(limit: ByteJSONParser.hardMaxDepth))
    }

    @Test func parseAcceptsTopLevelScalars() throws {
        let scalar = Array("42".utf8)
        #expect(try scalar.withUnsafeBytes { try JSONParser.parse($0) } == .number(42))
        #expect(rejection("42") == .notAnObject)
        #expect(rejection("[]") == .notAnObject)
        #expect(rejection(#""x""#) == .notAnObject)
    }
}

@Suite("JSON parser: rejects")
struct JSONRejectTests {
    @Test(arguments: [
        (#"{"a":1,}"#, 7), (#"{"a":[1,]}"#, 8), (#"{,}"#, 1), (#"{"a" 1}"#, 5), (#"{"a":1 "b":2}"#, 7),
        (#"{"a":01}"#, 6), (#"{"a":-}"#, 6), (#"{"a":1.}"#, 7), (#"{"a":.5}"#, 5), (#"{"a":1e}"#, 7),
        (#"{"a":+1}"#, 5), (#"{"a":NaN}"#, 5), (#"{"a":Infinity}"#, 5), (#"{"a":-Infinity}"#, 6),
        (#"{"a":tru}"#, 8), (#"{"a":nul}"#, 8), (#"{"a":truth}"#, 8), (#"{"a":'x'}"#, 5),
        ("{\"a\":1}/*c*/", 7), ("{\"a\":1}//c", 7), ("{\"a\":1} {}", 8), (#"{a:1}"#, 1),
        ("{\"a\":\"x\ty\"}", 7), ("{\"a\":\"x\ny\"}", 7), (#"{"a":"\x"}"#, 6), (#"{"a":"\u12G4"}"#, 10),
        (#"{"a":"\ud800"}"#, 6), (#"{"a":"\ud800\u0041"}"#, 6), (#"{"a":"\udc00"}"#, 6), (#"{"a":"\ud800x"}"#, 6),
        (#"{"a":"abc"#, 9), (#"{"a":"#, 5), (#"{"a""#, 4), ("{", 1), (#"{"a":[1,2"#, 9), (#"{"a":1"#, 6),
        ("{\"a\":\"\\", 7), (#"{"a":"\u00"#, 10),
    ])
    func syntaxErrorsCarryTheirOffset(text: String, offset: Int) {
        guard case .syntax(let at, _)? = rejection(text) else {
            Issue.record("\(text) was not a syntax error: \(String(describing: rejection(text)))")
            return
        }
        #expect(at == offset, "\(text)")
        #expect(rejection(text)?.reason == "invalid_json")
    }

    @Test func everyRejectHasItsCountedReason() {
        let cases: [(JSONError?, String)] = [
            (rejection(""), "empty_payload"),
            (rejection("{}", limits: JSONLimits(maxBytes: 1)), "payload_too_large"),
            (rejection([0x7B, 0xFF, 0x7D]), "invalid_utf8"),
            (rejection("{\"a\":[[1]]}", limits: JSONLimits(maxDepth: 2)), "too_deep"),
            (rejection("{\"a\":1e400}"), "number_out_of_range"),
            (rejection("{\"a\":}"), "invalid_json"),
            (rejection("[1]"), "not_an_object"),
        ]
        for (error, reason) in cases {
            #expect(error?.reason == reason)
        }
    }

    @Test func emptyAndWhitespaceOnly() {
        #expect(rejection("") == .empty)
        #expect(rejection(" \n\t\r ") == .empty)
        #expect(rejection("")?.reason == "empty_payload")
    }

    @Test func tooLargeIsCheckedBeforeParsing() {
        let limits = JSONLimits(maxBytes: 10)
        #expect(rejection("{\"a\":\"12345\"}", limits: limits) == .tooLarge(size: 13, limit: 10))
        #expect(rejection("not json at all", limits: limits) == .tooLarge(size: 15, limit: 10))
        #expect(rejection("{\"a\":\"12\"}", limits: limits) == nil)
    }

    @Test func numbersOutOfRange() {
        #expect(rejection(#"{"a":1e999}"#) == .numberOutOfRange(offset: 5))
        #expect(rejection(#"{"a":-1e309}"#) == .numberOutOfRange(offset: 5))
        #expect(rejection("{\"a\":1" + String(repeating: "0", count: 400) + "}") == .numberOutOfRange(offset: 5))
        #expect(rejection(#"{"a":1e99999999999999999999}"#) == .numberOutOfRange(offset: 5))
        #expect(rejection(#"{"a":1e999}"#)?.reason == "number_out_of_range")
    }

    @Test(arguments: [
        ([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D], 6),            // never valid
        ([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC0, 0xAF, 0x22, 0x7D], 6),      // overlong '/'
        ([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xE0, 0x80, 0xAF, 0x22, 0x7D], 6), // overlong 3-byte
        ([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xF0, 0x80, 0x80, 0xAF, 0x22, 0x7D], 6), // overlong 4-byte
        ([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x7D], 6), // encoded surrogate U+D800
        ([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xF4, 0x90, 0x80, 0x80, 0x22, 0x7D], 6), // U+110000
        ([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0x80, 0x22, 0x7D], 6),            // stray continuation
        ([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xE4, 0xB8, 0x22, 0x7D], 6),      // truncated sequence
        ([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xE4, 0xB8], 6),                  // truncated at the end
        ([0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0xF8], 10), // after an ASCII word
        ([0x7B, 0x7D, 0xFE], 2),                                                // after the value
        ([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x31, 0x2C, 0x7D, 0xFF], 8),            // after an earlier syntax error
        ([0x7B, 0x22, 0x5C, 0x6E, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D], 4),      // in a key, after an escape
        ([0x7B, 0x22, 0xC3, 0xA9, 0xE2, 0x82, 0x22, 0x3A, 0x31, 0x7D], 4),      // after valid multibyte text
    ])
    func invalidUTF8GivesTheOffsetOfTheBadSequence(bytes: [UInt8], offset: Int) {
        #expect(rejection(bytes) == .invalidUTF8(offset: offset))
    }

    @Test func validMultibyteBoundariesAreAccepted() throws {
        // U+0080, U+07FF, U+0800, U+FFFF, U+10000, U+10FFFF, U+E000 (first scalar after the surrogates)
        let text = "{\"s\":\"\u{80}\u{7FF}\u{800}\u{FFFF}\u{10000}\u{10FFFF}\u{E000}\u{D7FF}\"}"
        #expect(try object(text)["s"] == .string("\u{80}\u{7FF}\u{800}\u{FFFF}\u{10000}\u{10FFFF}\u{E000}\u{D7FF}"))
    }
}
