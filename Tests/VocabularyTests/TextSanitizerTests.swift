import Testing
import Vocabulary

/// The one sanitizer: what it escapes and what it leaves alone.
@Suite struct TextSanitizerTests {
    @Test func escapeSequencesAndControlsAreMadeVisible() {
        let hostile = "Smoke\u{1B}[31m red\u{1B}]0;pwned\u{07} \r\n\t\u{7F}\u{9B}2J end"
        let safe = TextSanitizer.sanitize(hostile)
        #expect(safe == "Smoke\\x1b[31m red\\x1b]0;pwned\\x07 \\x0d\\x0a\\x09\\x7f\\u{9b}2J end")
        #expect(!safe.unicodeScalars.contains { $0.value < 0x20 || (0x7F..<0xA0).contains($0.value) })
    }

    @Test func bidiOverridesAreEscaped() {
        #expect(TextSanitizer.sanitize("abc\u{202E}def\u{2066}") == "abc\\u{202e}def\\u{2066}")
    }

    /// Try-out finding: invisible characters that make `MH-0001` and `MH-0001` + ZWSP look the same are shown.
    @Test func invisibleLookAlikesAreEscaped() {
        #expect(TextSanitizer.sanitize("MH-0001\u{200B}") == "MH-0001\\u{200b}")
        #expect(TextSanitizer.sanitize("\u{FEFF}SD-1\u{2060}") == "\\u{feff}SD-1\\u{2060}")
    }

    @Test func ordinaryTextIsUntouched() {
        let text = "3号楼 2单元 502室 — 张三 ✓"
        #expect(TextSanitizer.sanitize(text) == text)
        #expect(TextSanitizer.isSafe(text))
    }

    @Test func newlinesCanBeKeptForMultiLineFields() {
        #expect(TextSanitizer.sanitize("a\nb\r", keepNewlines: true) == "a\nb\\x0d")
        #expect(TextSanitizer.sanitize("a\nb") == "a\\x0ab")
    }
}
