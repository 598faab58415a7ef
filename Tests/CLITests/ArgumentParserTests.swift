import EventCore
import Testing
@testable import lookout
import Vocabulary

@Suite struct ArgumentParserTests {
    let options: [OptionSpec] = GlobalOptions.specs + [
        .flag("all", short: "a", help: ""),
        .value("level", "L", short: "l", help: "", repeatable: true, choices: ["red", "yellow", "green"]),
        .value("to", "NAME", help: ""),
    ]

    @Test func parsesOptionsFlagsAndPositionals() throws {
        let parsed = try ArgumentParser.parse(["E-1", "--to", "alice", "-a", "--level=red", "-l", "yellow,green", "x"],
                                              options: options, commandName: "t")
        #expect(parsed.positionals == ["E-1", "x"])
        #expect(parsed.value("to") == "alice")
        #expect(parsed.flag("all"))
        #expect(parsed.list("level") == ["red", "yellow", "green"])
    }

    @Test func doubleDashMakesTheRestPositional() throws {
        let parsed = try ArgumentParser.parse(["--", "--to", "-a"], options: options, commandName: "t")
        #expect(parsed.positionals == ["--to", "-a"])
        #expect(parsed.value("to") == nil)
    }

    @Test func unknownOptionIsAUsageError() {
        #expect(throws: CLIError.usage("t: unknown option '--bogus'")) {
            try ArgumentParser.parse(["--bogus"], options: options, commandName: "t")
        }
        #expect(throws: CLIError.usage("t: unknown option '-z'")) {
            try ArgumentParser.parse(["-z"], options: options, commandName: "t")
        }
    }

    @Test func missingValueAndFlagWithValueAreUsageErrors() {
        #expect(throws: CLIError.usage("t: option --to needs a value (NAME)")) {
            try ArgumentParser.parse(["--to"], options: options, commandName: "t")
        }
        #expect(throws: CLIError.usage("t: option --all does not take a value")) {
            try ArgumentParser.parse(["--all=yes"], options: options, commandName: "t")
        }
    }

    /// "Last one wins" would quietly drop a silence's scope: a one-value option given twice, differently, is refused.
    @Test func aOneValueOptionGivenTwiceDifferentlyIsAUsageError() throws {
        #expect(throws: CLIError.usage("t: --to takes one value, given 'alice' and 'bob'")) {
            try ArgumentParser.parse(["--to", "alice", "--to=bob"], options: options, commandName: "t")
        }
        #expect(try ArgumentParser.parse(["--to", "alice", "--to", "alice"], options: options, commandName: "t").value("to") == "alice")
        #expect(try ArgumentParser.parse(["-l", "red", "-l", "green"], options: options, commandName: "t").list("level") == ["red", "green"])
    }

    @Test func aRequiredValueOfOnlySpacesIsMissing() throws {
        let parsed = try ArgumentParser.parse(["--to", "   "], options: options, commandName: "t")
        #expect(throws: CLIError.usage("t: missing required option --to")) { try parsed.required("to") }
    }

    @Test func choicesAreChecked() {
        #expect(throws: CLIError.usage("t: --level must be one of red, yellow, green, not 'purple'")) {
            try ArgumentParser.parse(["--level", "red,purple"], options: options, commandName: "t")
        }
    }

    @Test func helpIsRecognisedAnywhereBeforeDoubleDash() throws {
        #expect(throws: CLIError.helpRequested) { try ArgumentParser.parse(["E-1", "--help"], options: options, commandName: "t") }
        #expect(throws: CLIError.helpRequested) { try ArgumentParser.parse(["-h"], options: options, commandName: "t") }
        let parsed = try ArgumentParser.parse(["--", "--help"], options: options, commandName: "t")
        #expect(parsed.positionals == ["--help"])
    }

    @Test func positionalCountsAreEnforced() throws {
        let none = try ArgumentParser.parse([], options: options, commandName: "ack")
        #expect(throws: CLIError.usage("ack: missing ID")) { try none.single("ID") }
        let two = try ArgumentParser.parse(["a", "b"], options: options, commandName: "ack")
        #expect(throws: CLIError.usage("ack: unexpected argument 'b'")) { try two.single("ID") }
    }

    @Test func commandWordsAreFoundAfterGlobalOptions() {
        let split = LookoutCLI.splitCommandWords(["--socket", "x.sock", "--as", "bob", "ack", "E-1", "--note", "n"])
        #expect(split.words == ["ack"])
        #expect(split.rest == ["--socket", "x.sock", "--as", "bob", "E-1", "--note", "n"])
        let group = LookoutCLI.splitCommandWords(["--no-color", "rules", "check", "a.rules"])
        #expect(group.words == ["rules", "check"])
        #expect(group.rest == ["--no-color", "a.rules"])
    }

    @Test func durationsAndTimesParse() {
        #expect(TimeText.seconds("90s") == 90)
        #expect(TimeText.seconds("2h") == 7200)
        #expect(TimeText.seconds("1h30m") == 5400)
        #expect(TimeText.seconds("7d") == 604_800)
        #expect(TimeText.seconds("") == nil)
        #expect(TimeText.seconds("2") == nil)
        #expect(TimeText.seconds("2x") == nil)
        #expect(TimeText.seconds("99999999999999999999h") == nil)
        let twoHoursBefore: EpochMillis? = TimeText.pointInTime("2h", now: 10_000_000)
        #expect(twoHoursBefore == 2_800_000)
        #expect(TimeText.pointInTime("1970-01-01T00:10:00Z", now: 0) == 600_000)
        #expect(TimeText.pointInTime("someday", now: 0) == nil)
    }

    @Test func spansAreShort() {
        #expect(TimeText.span(milliseconds: 45_000) == "45s")
        #expect(TimeText.span(milliseconds: 90_000) == "1m30s")
        #expect(TimeText.span(milliseconds: 12 * 60_000) == "12m")
        #expect(TimeText.span(milliseconds: 3_900_000) == "1h05m")
        #expect(TimeText.span(milliseconds: 2 * 86_400_000 + 4 * 3_600_000) == "2d04h")
        #expect(TimeText.span(milliseconds: -5) == "0s")
    }
}
