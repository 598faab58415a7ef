import EventCore
import Foundation
import LookoutTestSupport
import Rules
import StaffAPI
import TerminalText
import Testing
@testable import lookout

/// `lookout` in Simplified Chinese (issue 18): the built binary under `zh_CN.UTF-8` with the catalog compiled from
/// `po/zh_CN.po`; the catalog against the sources; no English line left in help and errors.
@Suite struct ChineseLanguageTests {
    /// Runs `lookout` in Chinese on `fixture`'s socket.
    func chinese(_ fixture: CLIFixture, _ arguments: [String], columns: Int = 200) throws -> ChildProcess.Result {
        var environment = try TestLocale.chinese()
        environment["COLUMNS"] = String(columns)
        return try fixture.run(arguments, environment: environment)
    }

    @Test func theCatalogHoldsEveryMessageOfTheSourcesTranslated() throws {
        let check = try ChildProcess.run("/bin/bash", [TestLocale.repositoryRoot + "/scripts/update-po.sh", "--check"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let format = try ChildProcess.run("/usr/bin/msgfmt", ["--check", "-o", "/dev/null", TestLocale.repositoryRoot + "/po/zh_CN.po"])
        #expect(format.status == 0, "\(format.stderr)")
    }

    /// Every refusal reason lookoutd sends and every rule diagnostic code has its own message in the CLI (whose `tr`
    /// strings the catalog check above holds translated): none falls back to lookoutd's or the compiler's English.
    @Test func everyRefusalReasonAndRuleDiagnosticCodeIsSaidByTheCLI() {
        for reason in APIError.allReasons {
            #expect(APIErrorText.translated(reason, ["E-1", "open", "acknowledge", "x"]) != nil, "\(reason)")
        }
        let candidates: [[String]] = [["'x'", "'y'"], ["number", "string"], ["after 'level'", "'x'"], ["+", "number", "string"]]
        for code in DiagnosticCode.allCases {
            #expect(candidates.contains { RuleDiagnosticText.message(code, $0) != nil }, "\(code)")
        }
    }

    /// Checker errors that were said in English only before they had codes (flapping, `in`, `correlate`): under
    /// zh_CN each is said in Chinese at its `file:line:column`, and no English message is left in the output.
    @Test func checkerErrorsOfFlappingInAndCorrelateAreInChinese() throws {
        let directory = try TemporaryDirectory()
        let file = directory.file("x.rules")
        let head = "  on kind smoke channel event\n  level red\n  title \"t\"\n"
        try ("rule pulses {\n\(head)  when event == \"smoke\"\n  flapping 1 within 1m\n}\n"
            + "rule listed {\n\(head)  when event in \"smoke\"\n}\n"
            + "rule group {\n\(head)  when event == \"smoke\"\n  correlate 1 devices by device.building within 5m\n}\n")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let zh = try ChildProcess.run(ChildProcess.product("lookout"), ["rules", "check", file], environment: TestLocale.chinese())
        #expect(zh.status == 1)
        for expected in ["6:3: 错误：'flapping' 需要 'clear when' 条件", "6:12: 错误：'flapping' 需要 2 至 1000 的整数次反复",
                         "12:17: 错误：'in' 右边需要一个列表", "19:13: 错误：'correlate' 需要 2 至 10000 的整数个设备"] {
            #expect(zh.stderr.contains("\(file):\(expected)"), "\(zh.stderr)")
        }
        for english in ["error:", "needs a", "cannot", "whole number", "on its right"] {
            #expect(!zh.stderr.contains(english), "English left: \(english): \(zh.stderr)")
        }
    }

    /// Every man page the packages install (`packaging/man/NAME.N`) exists in English and in Chinese
    /// (`packaging/man/zh_CN/NAME.N`, installed under /usr/share/man/zh_CN/manN), and both render without a single
    /// warning (-k: preconv reads the UTF-8 as man(1) does; -ww: every warning, lines Chinese cannot break too).
    @Test func everyManualPageIsInBothLanguagesAndRendersWithoutWarnings() throws {
        let folder = TestLocale.repositoryRoot + "/packaging/man"
        let isPage = { (name: String) in name.range(of: #"\.[0-9]$"#, options: .regularExpression) != nil }
        let english = try FileManager.default.contentsOfDirectory(atPath: folder).filter(isPage).sorted()
        let chinese = try FileManager.default.contentsOfDirectory(atPath: folder + "/zh_CN").filter(isPage).sorted()
        #expect(english.count >= 6)
        #expect(chinese == english, "pages in one language only: \(Set(english).symmetricDifference(chinese).sorted())")
        for page in english.map({ folder + "/" + $0 }) + chinese.map({ folder + "/zh_CN/" + $0 }) {
            let result = try ChildProcess.run("/bin/sh", ["-c", "groff -k -man -Tutf8 -ww \"$0\" >/dev/null", page])
            #expect(result.status == 0 && result.stderr.isEmpty, "\(page): \(result.stderr)")
        }
    }

    @Test func helpAndAnErrorAreInChinese() throws {
        let fixture = try CLIFixture()
        let help = try chinese(fixture, ["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("用法：lookout"))
        #expect(help.stdout.contains("  events           列出未结事件"))
        #expect(help.stdout.contains("全局选项："))
        let error = try chinese(fixture, ["events", "--bogus"])
        #expect(error.status == 64)
        #expect(error.stderr == "lookout：错误：events：未知选项“--bogus”（参见“lookout events --help”）\n")
        let down = try chinese(fixture, ["ack", "E-1"])
        #expect(down.status == 1)
        #expect(down.stderr.contains("lookoutd 没有运行"), "\(down.stderr)")
        // The same binary in English when the environment says nothing.
        let english = try fixture.run(["events", "--bogus"])
        #expect(english.stderr.contains("unknown option '--bogus'"))
    }

    @Test func tablesAndStatusFromARunningDaemonAreInChineseAndFitEightyColumns() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        let red = try fixture.raise("SD-0003", level: .red, title: "3号楼2单元502 烟感报警", minutesAgo: 1)
        try fixture.raise("SD-0004", level: .yellow, minutesAgo: 0)
        let events = try chinese(fixture, ["events"], columns: 80)
        #expect(events.status == 0, "\(events.stderr)")
        let lines = events.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("编号") == true, "\(events.stdout)")
        for heading in ["级别", "状态", "时限", "位置", "标题"] { #expect(lines.first?.contains(heading) == true) }
        #expect(lines.count == 3)
        #expect(lines[1].hasPrefix(red.id) && lines[1].contains("红色") && lines[1].contains("待处理"), "\(events.stdout)")
        for line in lines { #expect(DisplayWidth.of(line) <= 80, "wider than 80 columns: \(line)") }
        let down = try chinese(CLIFixture(), ["status", "--json"])
        #expect(down.status == 1 && down.stdout.contains("\"problem\": \"lookoutd is down: nothing serves its API socket "), "\(down.stdout)")
        let status = try chinese(fixture, ["status"])
        #expect(status.stdout.contains("运行中"), "\(status.stdout)")
        #expect(status.stdout.contains("未结事件："), "\(status.stdout)")
        #expect(status.stdout.contains("红色 1"), "\(status.stdout)")
        let ack = try chinese(fixture, ["ack", red.id])
        #expect(ack.status == 0, "\(ack.stderr)")
        #expect(ack.stdout.contains("已确认") && ack.stdout.contains("操作人"), "\(ack.stdout)")
        // lookoutd's refusals, said from their reason and values (its English line is for English and older clients).
        let unknown = try chinese(fixture, ["ack", "E-9999"])
        #expect(unknown.status == 1 && unknown.stderr == "lookout：错误：没有编号为 E-9999 的事件\n", "\(unknown.stderr)")
        let refused = try chinese(fixture, ["ack", red.id])
        #expect(refused.stderr == "lookout：错误：无法对 \(red.id) 执行“确认”：它当前为“已确认”\n", "\(refused.stderr)")
        #expect(try fixture.run(["ack", red.id]).stderr == "lookout: error: cannot acknowledge \(red.id): it is acknowledged\n")
        // JSON stays English-keyed with machine values, whatever the language.
        let json = try chinese(fixture, ["events", "--json"])
        #expect(json.stdout.contains("\"level\": \"red\"") && json.stdout.contains("\"status\": \"acknowledged\""), "\(json.stdout)")
        #expect(!json.stdout.contains("红色"))
    }

    /// The monthly report's sections and the cause words in Chinese, every line within 80 columns.
    @Test func theReportIsInChineseAndFitsEightyColumns() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        try ResolveCauseTests.knownMonth(fixture)
        let report = try chinese(fixture, ["stats", "--since", "1d", "--report"], columns: 80)
        #expect(report.status == 0, "\(report.stderr)")
        for text in ["按原因", "按网格", "按部门", "设备误报", "环境干扰", "生活求助", "15分钟", "环境干扰与设备误报最多的设备"] {
            #expect(report.stdout.contains(text), "\(text): \(report.stdout)")
        }
        for line in report.stdout.split(separator: "\n").map(String.init) {
            #expect(DisplayWidth.of(line) <= 80, "wider than 80 columns: \(line)")
        }
        let show = try chinese(fixture, ["show", "E-1001"])
        #expect(show.stdout.contains("原因"), "\(show.stdout)")
    }

    /// Invocations that fail before or without lookoutd: usage errors of every kind, and a daemon that is not there.
    static let errorInvocations: [[String]] = [
        ["nonsense"], ["help", "nonsense"], ["events", "--as", ""], ["events", "--since", "yesterday"],
        ["events", "--level", "purple"], ["events", "--limit", "-3"], ["events", "--kind", "a", "--kind", "b"],
        ["events", "--all=yes"], ["events", "--kind"], ["show"], ["show", "E-1", "E-2"], ["ack"], ["dispatch", "E-1"],
        ["resolve", "E-1"], ["resolve", "E-1", "--note", "x"], ["resolve", "E-1", "--note", "x", "--cause", "bogus"],
        ["stats", "--csv", "--json"], ["note", "E-1"], ["silence", "add", "--device", "x"], ["silence", "add", "--building", "c01"],
        ["silence", "add", "--device", "x", "--building", "c01/3"], ["silence", "add", "--device", "x", "--for", "soon"],
        ["silence", "add", "--device", "x", "--until", "never"], ["silence", "remove", "abc"], ["away", "add"],
        ["away", "add", "--device", "D", "--until", "never"], ["away", "remove"], ["stats", "--since", "x"],
        ["audit", "bogus"], ["audit", "--since", "x"], ["watch", "--bell", "--no-bell"], ["watch", "--interval", "9"],
        ["watch", "--quiet", "0"], ["report", "--kind", "smoke", "--level", "purple", "--title", "t"],
        ["report", "--kind", "smoke", "--level", "red", "--title", "t"], ["notify", "test", "bad team"],
        ["notify", "test", "fire", "--timeout", "x"], ["rules", "test"], ["rules", "test", "/nonexistent"],
        ["events"], ["show", "E-1"], ["ack", "E-1"], ["status"], ["devices"], ["stats"], ["rejects"], ["silence", "list"],
        ["away", "list"], ["audit"], ["silence"], ["away"], ["rules"],
    ]

    @Test func noEnglishLineInAnyHelpOrError() throws {
        let fixture = try CLIFixture()
        var names: [String] = LookoutCLI.groups
        var invocations: [[String]] = [["--help"], []] + Self.errorInvocations
        for command in LookoutCLI.commands {
            let name: String = command.name
            names.append(name)
            invocations.append(name.split(separator: " ").map(String.init) + ["--help"])
        }
        for arguments in invocations {
            let result = try chinese(fixture, arguments)
            #expect(!result.stdout.isEmpty || !result.stderr.isEmpty, "\(arguments): no output")
            for line in Self.untranslatedLines(result.stdout + result.stderr, commandNames: names) {
                Issue.record("lookout \(arguments.joined(separator: " ")): untranslated line: \(line)")
            }
        }
    }

    /// Lines with three English words in a row once what is not prose is taken out: examples, option and command
    /// names, placeholders (`ID`, `WHEN`), quoted values, paths and environment variables.
    static func untranslatedLines(_ output: String, commandNames: [String]) -> [String] {
        var found: [String] = []
        var inExamples = false
        for line in output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line == "示例：" { inExamples = true; continue }
            if inExamples { if line.isEmpty { inExamples = false }; continue }
            var prose = line
            for name in commandNames.sorted(by: { $0.count > $1.count }) {
                prose = prose.replacingOccurrences(of: "lookout " + name, with: " ")
            }
            for pattern in ["--?[a-z0-9-]+(=\\S*)?", "\\$[A-Z_]+", "'[^']*'", "“[^”]*”", "/[\\w./*-]+", "\\b[A-Z][A-Z0-9_]+\\b",
                            "\\b\\d+\\w*\\b", "\\[[a-z_]+\\] [a-z_]+"] {
                prose = prose.replacingOccurrences(of: pattern, with: " ", options: .regularExpression)
            }
            if prose.range(of: "[A-Za-z]{2,}(?:[ ,:]+[A-Za-z]{2,}){2,}", options: .regularExpression) != nil { found.append(line) }
        }
        return found
    }

    @Test func theDetectorFindsAnEnglishLine() {
        #expect(Self.untranslatedLines("lookout: error: events: unknown option '--bogus'", commandNames: ["events"]).count == 1)
        #expect(Self.untranslatedLines("  --socket PATH  lookoutd 的 API 套接字（默认：$LOOKOUT_SOCKET）", commandNames: []).isEmpty)
        #expect(Self.untranslatedLines("示例：\n  lookout events --all --since 24h --json | jq '.[].id'\n", commandNames: []).isEmpty)
    }
}
