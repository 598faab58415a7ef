import Foundation
import LookoutTestSupport
import Testing

/// Files shipped with the CLI agree with what the binary prints.
@Suite struct ShippedFilesTests {
    /// The package root, found from this file's path.
    static var packageRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    @Test func shippedBashCompletionMatchesTheBinary() throws {
        let result = try ChildProcess.run(ChildProcess.product("lookout"), ["completion", "bash"])
        #expect(result.status == 0)
        let shipped = try String(contentsOfFile: Self.packageRoot + "/config/completion/lookout.bash", encoding: .utf8)
        #expect(shipped == result.stdout, "regenerate with: lookout completion bash > config/completion/lookout.bash")
        #expect(result.stdout.contains("complete -F _lookout lookout"))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/bin/bash")))
    func bashCompletionCompletesCommandsSubcommandsAndChoices() throws {
        let script = Self.packageRoot + "/config/completion/lookout.bash"
        func complete(_ words: [String]) throws -> String {
            let quoted = words.map { "'\($0)'" }.joined(separator: " ")
            let result = try ChildProcess.run("/bin/bash", ["-c", "source '\(script)'; COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count - 1); _lookout; echo \"${COMPREPLY[*]}\""])
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try complete(["lookout", "sil"]) == "silence")
        #expect(try complete(["lookout", "silence", ""]) == "add list remove")
        #expect(try complete(["lookout", "--socket", "x.sock", "events", "--le"]) == "--level")
        #expect(try complete(["lookout", "events", "--level", ""]) == "green yellow red")
        #expect(try complete(["lookout", "rules", "check", "--no"]) == "--no-color")
    }

    @Test func helpAndVersion() throws {
        let version = try ChildProcess.run(ChildProcess.product("lookout"), ["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.hasPrefix("lookout "))
        let help = try ChildProcess.run(ChildProcess.product("lookout"), ["--help"])
        #expect(help.status == 0)
        for command in ["events", "show", "watch", "ack", "resolve", "report", "rules check"] {
            #expect(help.stdout.contains(command))
        }
        let commandHelp = try ChildProcess.run(ChildProcess.product("lookout"), ["events", "--help"])
        #expect(commandHelp.status == 0)
        #expect(commandHelp.stdout.contains("--overdue"))
        let none = try ChildProcess.run(ChildProcess.product("lookout"), [])
        #expect(none.status == 64)
    }

    @Test func rulesCheckReportsMissingPaths() throws {
        let directory = try TemporaryDirectory()
        let result = try ChildProcess.run(ChildProcess.product("lookout"), ["rules", "check", directory.file("missing.rules")])
        #expect(result.status == 1)
        #expect(result.stderr.contains("missing.rules"))
    }
}
