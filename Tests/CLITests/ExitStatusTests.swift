import LookoutTestSupport
import Testing

/// `lookout` and `lookout-sim` exit alike, so a script that drives both reads one convention:
/// 0 done, 1 the job failed, 64 (EX_USAGE) bad usage.
@Suite struct ExitStatusTests {
    @Test func badUsageExits64ForBothTools() throws {
        for tool in ["lookout", "lookout-sim"] {
            let run = try ChildProcess.run(ChildProcess.product(tool), ["--no-such-option"])
            #expect(run.status == 64, "\(tool): \(run.status) \(run.stderr)")
            #expect(run.stderr.contains("no-such-option"), "\(tool) names the bad option: \(run.stderr)")
        }
        let badScenario = try ChildProcess.run(ChildProcess.product("lookout-sim"), ["scenario", "no-such-scenario", "--dry-run"])
        #expect(badScenario.status == 64, "\(badScenario.stderr)")
    }

    @Test func unreachableBrokerExits1() throws {
        let run = try ChildProcess.run(ChildProcess.product("lookout-sim"),
                                       ["--port", String(try FreePort.find()), "--count", "1"])
        #expect(run.status == 1, "\(run.status) \(run.stderr)")
        #expect(run.stderr.contains("cannot connect"), "\(run.stderr)")
    }
}
