import Testing
import TerminalText

@Suite struct TerminalTextTests {
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

    /// Whole columns are never cut; when shortening is not enough, droppable columns go, lowest order first, whole.
    @Test func wholeColumnsStayAndDroppableColumnsGoFirst() {
        var table = TextTable(columns: [.whole("ID"), .init("WHERE", minWidth: 4), .init("COUNT", alignRight: true, dropOrder: 1),
                                        .init("AGE", dropOrder: 2), .whole("DEVICE")])
        table.append(["E-123456789", "3号楼2单元502室，靠近东门", "12", "3h05m", "SMOKE-N3-U2-502-KITCHEN"])
        let lines = table.render(totalWidth: 50, style: TerminalStyle(coloured: false)).split(separator: "\n").map(String.init)
        for line in lines { #expect(DisplayWidth.of(line) <= 50, "\(line)") }
        #expect(lines[0].hasPrefix("ID") && !lines[0].contains("COUNT") && lines[0].contains("AGE"), "\(lines)")
        #expect(lines[1].hasPrefix("E-123456789 ") && lines[1].hasSuffix("SMOKE-N3-U2-502-KITCHEN") && lines[1].contains("3h05m"))
        #expect(table.columnWidths(totalWidth: 50)[2] == 0)
        // Nothing goes while the table fits.
        #expect(table.render(totalWidth: 200, style: TerminalStyle(coloured: false)).contains("COUNT"))
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
