import Foundation
import Rules
import Testing

/// `JSONValue.writeQuoted`: the one JSON string writer (payloads and the CLI's JSON output).
@Suite struct JSONQuotingTests {
    private func quoted(_ text: String, alsoEscaping: (Unicode.Scalar) -> Bool = { _ in false }) -> String {
        var out = ""
        JSONValue.writeQuoted(text, to: &out, alsoEscaping: alsoEscaping)
        return out
    }

    @Test func escapesQuotesBackslashesAndControlCharacters() {
        #expect(quoted("a\"b\\c\nd\re\tf\u{1}\u{7F}号") == #""a\"b\\c\nd\re\tf\u0001\u007f号""#)
        var plain = ""
        JSONValue.writeQuoted("x\u{1B}y", to: &plain)
        #expect(plain == #""x\u001by""#)
    }

    @Test func extraEscapesIncludingBeyondTheBasicPlaneAreValidJSON() throws {
        let text = "a\u{202E}b😀c"
        let out = quoted(text) { $0 == "\u{202E}" || $0 == "😀" }
        #expect(out == #""a\u202eb\ud83d\ude00c""#)
        let decoded = try JSONSerialization.jsonObject(with: Data("[\(out)]".utf8)) as? [String]
        #expect(decoded == [text])
    }
}
