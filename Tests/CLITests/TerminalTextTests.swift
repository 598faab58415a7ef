import Daemon
import Foundation
import Testing
import Vocabulary
@testable import lookout

@Suite struct TerminalTextTests {
    @Test func escapeSequencesAndControlsAreMadeVisible() {
        let hostile = "Smoke\u{1B}[31m red\u{1B}]0;pwned\u{07} \r\n\t\u{7F}\u{9B}2J end"
        let safe = TextSanitizer.sanitize(hostile)
        #expect(safe == "Smoke\\x1b[31m red\\x1b]0;pwned\\x07 \\x0d\\x0a\\x09\\x7f\\u{9b}2J end")
        #expect(!safe.unicodeScalars.contains { $0.value < 0x20 || (0x7F..<0xA0).contains($0.value) })
    }

    @Test func bidiOverridesAreEscaped() {
        #expect(TextSanitizer.sanitize("abc\u{202E}def\u{2066}") == "abc\\u{202e}def\\u{2066}")
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

    @Test func cjkAndEmojiAreTwoColumnsWide() {
        #expect(DisplayWidth.of("abc") == 3)
        #expect(DisplayWidth.of("3号楼") == 5)
        #expect(DisplayWidth.of("ｅ") == 2)  // fullwidth
        #expect(DisplayWidth.of("🔥") == 2)
        #expect(DisplayWidth.of("e\u{301}") == 1)  // combining accent
    }

    @Test func truncationCountsColumnsAndEndsInEllipsis() {
        #expect(DisplayWidth.truncate("3号楼2单元502", to: 6) == "3号楼…")
        #expect(DisplayWidth.of(DisplayWidth.truncate("3号楼2单元502", to: 6)) <= 6)
        #expect(DisplayWidth.truncate("short", to: 10) == "short")
        #expect(DisplayWidth.fit("号", to: 4) == "号  ")
        #expect(DisplayWidth.fit("7", to: 3, alignRight: true) == "  7")
    }

    @Test func tableFitsTheWidthAndAlignsCJK() {
        var table = TextTable(columns: [.init("ID"), .init("WHERE", minWidth: 4), .init("N", alignRight: true)])
        table.append(["E-1", "3号楼2单元502室，靠近东门", "12"])
        table.append(["E-22", "gate", "3"])
        let text = table.render(totalWidth: 24, style: TerminalStyle(coloured: false))
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        for line in lines { #expect(DisplayWidth.of(line) <= 24) }
        #expect(lines[1].contains("…"))
        // Columns line up: "N" column ends at the same display column on every line.
        #expect(Set(lines.map { DisplayWidth.of($0) }).count == 1)
    }

    @Test func tableSanitisesCells() {
        var table = TextTable(columns: [.init("T")])
        table.append(["x\u{1B}[2Jy"])
        #expect(table.render(totalWidth: nil, style: TerminalStyle(coloured: true)).contains("x\\x1b[2Jy"))
    }

    @Test func noColourMeansNoEscapes() {
        #expect(TerminalStyle(coloured: false).paint("RED", .red) == "RED")
        #expect(TerminalStyle(coloured: true).paint("RED", .red) == "\u{1B}[31mRED\u{1B}[0m")
        #expect(TerminalStyle.detect(environment: ["NO_COLOR": "1"]).coloured == false)
        #expect(TerminalStyle.detect(disabledByFlag: true, environment: [:]).coloured == false)
    }

    @Test func jsonEscapesEverythingDangerous() throws {
        let value = JSONOutput.object([("t", .string("a\u{1B}[31m\"\\\n\u{9B}\u{202E}号")), ("n", .integer(3)), ("z", .null)])
        let text = value.rendered()
        #expect(!text.unicodeScalars.contains { TextSanitizer.isDangerous($0) && $0 != "\n" })
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect(parsed?["t"] as? String == "a\u{1B}[31m\"\\\n\u{9B}\u{202E}号")
        #expect(parsed?["n"] as? Int == 3)
    }
}

@Suite struct TextBarTests {
    @Test func barsScaleInEighths() {
        #expect(TextBar.render(10, of: 10, width: 4) == "████")
        #expect(TextBar.render(5, of: 10, width: 4) == "██")
        #expect(TextBar.render(1, of: 16, width: 4) == "▎")
        #expect(TextBar.render(1, of: 8, width: 4) == "▌")
        #expect(TextBar.render(0, of: 10, width: 4) == "")
        #expect(TextBar.render(1, of: 1000, width: 4) == "▏")
        #expect(TextBar.render(20, of: 10, width: 4) == "████")
    }
}
