import EventCore
import Foundation
import LookoutTestSupport
import Testing

/// Bash completion offers what lookoutd knows: open event ids after `ack`, `show`, `resolve`…, kinds after `--kind`,
/// teams after `--team`, through `lookout __complete` with the command line's `--socket`; nothing (and no error
/// text) when lookoutd cannot be asked.
@Suite struct CompletionValuesTests {
    static let registry = """
    id,kind,community,building,unit,address,grid,owner,report_interval_s
    SD-0001,smoke,c01,3,1,3号楼1单元501,grid-03,property,86400
    MH-0001,manhole,c02,1,1,北门,grid-07,water,86400

    """

    /// `_lookout`'s answer for `words` (the last one is being completed), with the built `lookout` as `COMP_WORDS[0]`.
    static func complete(_ words: [String]) throws -> String {
        let script = ShippedFilesTests.packageRoot + "/config/completion/lookout.bash"
        let quoted = ([ChildProcess.product("lookout")] + words).map { "'\($0)'" }.joined(separator: " ")
        let result = try ChildProcess.run("/bin/bash", ["-c", "source '\(script)'; COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count); _lookout; echo \"${COMPREPLY[*]}\""],
                                          environment: ["LC_ALL": "C.UTF-8", "TZ": "Asia/Shanghai"])
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/bin/bash")))
    func completionOffersOpenIdsKindsAndTeamsFromTheDaemon() throws {
        let fixture = try CLIFixture()
        let daemon = try fixture.startDaemon(registry: Self.registry)
        try fixture.waitUntilMirrored("MH-0001")
        let red = try fixture.raise("SD-0001", level: .red, teams: ["fire"])
        let yellow = try fixture.raise("MH-0001", level: .yellow, kind: "manhole")
        let done = try fixture.raise("SD-0002", level: .green)
        _ = try fixture.store.perform(.resolve, on: done.id, actor: "x", note: "fine", at: fixture.now)
        let socket = ["--socket", daemon.socketPath]

        let open = Set([red.id, yellow.id])
        for command in ["ack", "show", "resolve", "onsite", "close", "note"] {
            #expect(Set(try Self.complete(socket + [command, ""]).split(separator: " ").map(String.init)) == open, "\(command)")
        }
        // `reopen` takes an ended event.
        #expect(try Self.complete(socket + ["reopen", ""]) == done.id)
        #expect(try Self.complete(socket + ["show", String(red.id.prefix(4))]).split(separator: " ").contains(Substring(red.id)))
        // After the id: options, not ids again.
        #expect(try Self.complete(socket + ["ack", red.id, "--t"]) == "--team")
        #expect(!(try Self.complete(socket + ["resolve", red.id, ""])).contains("E-"))
        #expect(try Self.complete(socket + ["events", "--kind", ""]) == "manhole smoke")
        #expect(try Self.complete(socket + ["events", "--kind", "ma"]) == "manhole")
        let teams = try Self.complete(socket + ["events", "--team", ""]).split(separator: " ").map(String.init)
        #expect(Set(teams).isSuperset(of: ["fire", "grid-03", "grid-07", "property", "water"]), "\(teams)")
        #expect(try Self.complete(socket + ["events", "--community", ""]) == "c01 c02")

        // No daemon behind the socket: nothing offered, nothing printed on stderr.
        let nobody = ["--socket", fixture.directory.file("nobody.sock")]
        #expect(try Self.complete(nobody + ["ack", ""]).isEmpty)
        #expect(try Self.complete(nobody + ["events", "--kind", ""]).isEmpty)
        let direct = try fixture.run(["--socket", fixture.directory.file("nobody.sock"), "__complete", "ids"])
        #expect(direct.status == 0 && direct.stdout.isEmpty && direct.stderr.isEmpty, "\(direct)")
    }
}
