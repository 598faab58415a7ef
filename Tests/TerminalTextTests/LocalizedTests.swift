import Testing
import TerminalText

/// The one formatter of translated messages: positional arguments, because Chinese orders them differently.
@Suite struct LocalizedTests {
    @Test func positionalArgumentsGoWhereTheTranslationPutsThem() {
        #expect(Localized.format("%1$s: %2$d error(s) in %3$s", ["rules check", "2", "a.rules"]) == "rules check: 2 error(s) in a.rules")
        #expect(Localized.format("%1$s：%3$s 中有 %2$d 个错误", ["rules check", "2", "a.rules"]) == "rules check：a.rules 中有 2 个错误")
    }

    @Test func plainConversionsTakeArgumentsInOrderAndPercentIsKept() {
        #expect(Localized.format("%s and %d", ["a", "7"]) == "a and 7")
        #expect(Localized.format("100%% of %1$s", ["x"]) == "100% of x")
        #expect(Localized.format("%q %5$s %", ["x"]) == "%q  %")
    }

    @Test func withoutACatalogAMessageIsItself() {
        #expect(tr("No open events.") == "No open events.")
        #expect(tr("%1$s (see 'lookout %2$s --help')", "bad", "events") == "bad (see 'lookout events --help')")
        #expect(trPlural("%1$d entry, chain intact", "%1$d entries, chain intact", 1, 1) == "1 entry, chain intact")
        #expect(trPlural("%1$d entry, chain intact", "%1$d entries, chain intact", 3, 3) == "3 entries, chain intact")
        #expect(trList(["red", "yellow", "green"]) == "red, yellow, green" && trList([]) == "")
    }
}
