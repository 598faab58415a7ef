import Testing
@testable import Rules

/// The declared payload fields per kind (issue 14 items 5 and 7).
@Suite struct PayloadSchemaTests {
    static func violations(_ text: String, kind: String, schema: PayloadSchema = .shipped) throws -> [String] {
        let payload = try JSONParser.parseObject(Array(text.utf8), limits: JSONLimits())
        let index = try #require(schema.kindIndex(kind))
        return schema.violations(in: payload, kind: index).map { "\($0.reason): \($0.detail)" }
    }

    @Test func theShippedTableDeclaresTheFourKindsAndTheirPayloadsFromTheDomainBrief() throws {
        #expect(PayloadSchema.shipped.kinds.map(\.name) == ["manhole", "smoke", "door", "sos"])
        #expect(PayloadSchema.shipped.kindIndex("toaster") == nil)
        // Every sample payload of docs/domain.md fits.
        let samples: [(String, String)] = [
            ("manhole", #"{"ts":1763880000000,"tilt_deg":1.2,"water_overrun":false,"ch4_pct_lel":0,"battery_pct":87,"battery_v":3.52,"rsrp_dbm":-98}"#),
            ("manhole", #"{"ts":1,"event":"cover_tilt","state":"alarm","tilt_deg":22.4}"#),
            ("manhole", #"{"ts":1,"event":"gas","state":"alarm","ch4_pct_lel":25}"#),
            ("smoke", #"{"ts":1,"battery_pct":96,"concentration_pct":0,"temperature_c":24}"#),
            ("smoke", #"{"ts":1,"event":"smoke","state":"alarm","concentration_pct":18,"temperature_c":41}"#),
            ("smoke", #"{"event":"fault","code":"chamber_contaminated"}"#),
            ("smoke", #"{"event":"tamper","state":"removed"}"#),
            ("smoke", #"{"event":"self_test","result":"pass"}"#),
            ("smoke", #"{"event":"silenced","duration_s":600}"#),
            ("door", #"{"ts":1,"event":"access","result":"granted","method":"face","door":1,"direction":"in","credential":"E-0025"}"#),
            ("door", #"{"event":"access","result":"denied","method":"card","reason":"no_permission","door":1,"credential":"8165538"}"#),
            ("door", #"{"event":"door_held_open","door":1,"open_s":120}"#),
            ("door", #"{"event":"tamper","part":"reader","state":"alarm"}"#),
            ("sos", #"{"ts":1,"event":"sos","press":"short"}"#),
            ("sos", #"{"ts":1,"event":"sos_cancel","press":"long"}"#),
            ("sos", #"{"online":false}"#),
        ]
        for (kind, payload) in samples {
            #expect(try Self.violations(payload, kind: kind).isEmpty, "\(kind): \(payload)")
        }
    }

    @Test func impossibleValuesAndNumbersSentAsStringsAreNamedWithTheirValue() throws {
        #expect(try Self.violations(#"{"battery_pct":250,"temperature_c":-900,"vendor_extra":1}"#, kind: "smoke")
            == ["implausible_value: battery_pct = 250: outside 0..100", "implausible_value: temperature_c = -900: outside -50..150"])
        #expect(try Self.violations(#"{"event":"smoke","state":"melting"}"#, kind: "smoke")
            == [#"implausible_value: state = "melting": not one of alarm, normal, removed, installed"#])
        #expect(try Self.violations(#"{"tilt_deg":"95","water_overrun":"no"}"#, kind: "manhole")
            == [#"wrong_type: tilt_deg = "95": expected a number, got a string"#,
                #"wrong_type: water_overrun = "no": expected a bool, got a string"#])
        #expect(try Self.violations(#"{"door":1.5}"#, kind: "door") == ["wrong_type: door = 1.5: expected an integer, got a fraction"])
    }

    @Test func namesMatchAsSwiftEqualityDoesWhateverTheirLength() throws {
        // The check skips names of another UTF-8 length, except where `==` (canonical equivalence) can still hold:
        // the Kelvin sign (3 bytes) is the letter K (1 byte).
        let schema = try PayloadSchema.shipped.adding(text: """
            [K9]
            temp_K = number 0..100
            flow = number 0..10
            """, file: "payloads.conf")
        let kind = try #require(schema.kindIndex("\u{212A}9"))
        #expect(schema.kindIndex("K9") == kind)
        let payload = try JSONParser.parseObject(Array("{\"temp_\u{212A}\":500,\"flow\":11,\"flow_x\":99}".utf8), limits: JSONLimits())
        #expect(schema.violations(in: payload, kind: kind).map(\.detail) == ["temp_K = 500: outside 0..100", "flow = 11: outside 0..10"])
    }

    @Test func anOperatorsFileAddsKindsAndOverridesFields() throws {
        let schema = try PayloadSchema.shipped.adding(text: """
            # Our manholes report H2S up to 5000 ppm; the gas meters are ours.
            [manhole]
            h2s_ppm = number 0..5000
            [gas_meter]
            flow_m3h = number 0..100
            [all]
            battery_pct = any
            """, file: "payloads.conf")
        #expect(try Self.violations(#"{"h2s_ppm":4000}"#, kind: "manhole", schema: schema).isEmpty)
        #expect(try Self.violations(#"{"flow_m3h":101,"battery_pct":"full"}"#, kind: "gas_meter", schema: schema)
            == ["implausible_value: flow_m3h = 101: outside 0..100"])
        // `[all]` reaches every kind that does not declare the field itself.
        #expect(try Self.violations(#"{"battery_pct":250}"#, kind: "smoke", schema: schema).isEmpty)
        #expect(try Self.violations(#"{"event":"bogus"}"#, kind: "gas_meter", schema: schema).isEmpty)
    }

    @Test func errorsInAnOperatorsFileAreReportedWithTheirLine() {
        #expect(throws: PayloadSchema.ParseError.self) { try PayloadSchema.shipped.adding(text: "x = number", file: "p.conf") }
        do {
            _ = try PayloadSchema.shipped.adding(text: """
                [smoke]
                temperature_c = number 150..-50
                state = colour
                [bad kind]
                """, file: "p.conf")
            Issue.record("no error")
        } catch {
            #expect(error.issues.map(\.line) == [2, 3, 4])
            #expect(error.description.contains("p.conf:2:"))
        }
    }
}
