import Foundation
@testable import lookout
import Testing
import Vocabulary

/// `--json` output escapes what could reach a terminal and still parses as the text it was given.
@Suite struct JSONOutputTests {
    @Test func jsonEscapesEverythingDangerous() throws {
        let value = JSONOutput.object([("t", .string("a\u{1B}[31m\"\\\n\u{9B}\u{202E}号")), ("n", .integer(3)), ("z", .null)])
        let text = value.rendered()
        #expect(!text.unicodeScalars.contains { TextSanitizer.isDangerous($0) && $0 != "\n" })
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect(parsed?["t"] as? String == "a\u{1B}[31m\"\\\n\u{9B}\u{202E}号")
        #expect(parsed?["n"] as? Int == 3)
    }
}
