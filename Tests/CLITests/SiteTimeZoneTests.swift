import EventCore
import Foundation
import LookoutTestSupport
import Testing
import Vocabulary

/// The community's time zone (`[site] time_zone`, default Asia/Shanghai): `lookout` learns it from lookoutd, shows
/// times in it whatever the terminal's `TZ`, marks them with the offset when the terminal's zone differs, and reads
/// local times (`--month`, `today`, `06:00`) in it.
@Suite struct SiteTimeZoneTests {
    /// `yyyy-MM-dd HH:mm:ss` of `millis` in `zone` (tzdata, not the test process's zone).
    static func wallClock(_ millis: EpochMillis, in zone: String) throws -> String {
        let time = try ZoneInfo.named(zone).localTime(at: millis)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(time.year)-\(two(time.month))-\(two(time.day)) \(two(time.hour)):\(two(time.minute)):\(two(time.second))"
    }

    @Test func timesAreShownInTheSiteZoneAndMarkedWhenTheTerminalDiffers() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        let event = try fixture.raise("SD-0001", level: .yellow, minutesAgo: 3)
        let shanghai = try Self.wallClock(event.firstSeen, in: "Asia/Shanghai")

        // A terminal in UTC: the community's clock, marked +08.
        let utc = try fixture.run(["show", event.id], environment: ["TZ": "UTC"])
        #expect(utc.status == 0, "\(utc.stderr)")
        #expect(utc.stdout.contains(shanghai + " +08"), "\(utc.stdout)")
        // A terminal in the community's zone: the same clock, unmarked.
        let local = try fixture.run(["show", event.id], environment: ["TZ": "Asia/Shanghai"])
        #expect(local.stdout.contains(shanghai + "  "), "\(local.stdout)")
        #expect(!local.stdout.contains(" +08"), "\(local.stdout)")

        let status = try fixture.run(["status"], environment: ["TZ": "UTC"])
        #expect(status.stdout.contains("Asia/Shanghai (UTC+08)"), "\(status.stdout)")
        let json = try fixture.run(["status", "--json"], environment: ["TZ": "UTC"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["time_zone"] as? String == "Asia/Shanghai")
    }

    /// A local time typed before any answer (`--month`, `today`) is read in the site zone: lookoutd is asked first.
    @Test func localTimesAreReadInTheSiteZone() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        for tz in ["UTC", "Asia/Shanghai", "America/New_York"] {
            let month = try fixture.run(["stats", "--month", "2001-01", "--json"], environment: ["TZ": tz])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(month.stdout.utf8)) as? [String: Any],
                                      "\(tz): \(month.stderr)")
            #expect(object["since"] as? String == "2000-12-31T16:00:00Z", "\(tz)")
            #expect(object["until"] as? String == "2001-01-31T16:00:00Z", "\(tz)")
        }
        let marked = try fixture.run(["stats", "--month", "2001-01"], environment: ["TZ": "UTC"])
        #expect(marked.stdout.contains("2001-01-01 00:00:00 +08"), "\(marked.stdout)")

        // `today` is the community's midnight: an event raised just after it is found, whatever the terminal says.
        let now = fixture.now
        let today = try ZoneInfo.named("Asia/Shanghai").localTime(at: now)
        let midnight = now - EpochMillis(today.hour * 3_600_000 + today.minute * 60_000 + today.second * 1000) - now % 1000
        let minutesSinceMidnight = (now - midnight) / 60_000
        try fixture.raise("SD-0001", level: .green, minutesAgo: minutesSinceMidnight + 1)
        let after = minutesSinceMidnight >= 1 ? try fixture.raise("SD-0002", level: .green, minutesAgo: minutesSinceMidnight - 1) : nil
        for tz in ["UTC", "America/New_York"] {
            let result = try fixture.run(["events", "--since", "today", "--json"], environment: ["TZ": tz])
            let array = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
            #expect(array.compactMap { $0["id"] as? String } == [after?.id].compactMap { $0 }, "\(tz)")
        }
    }

    /// `[site] time_zone` names another zone: shown and read in it; a zone tzdata does not know is refused.
    @Test func anotherSiteZone() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon(settings: ["site": ["time_zone": "UTC"]])
        let month = try fixture.run(["stats", "--month", "2001-01"], environment: ["TZ": "Asia/Shanghai"])
        #expect(month.stdout.contains("2001-01-01 00:00:00 +00 to 2001-02-01 00:00:00 +00"), "\(month.stdout)")
        let json = try fixture.run(["stats", "--month", "2001-01", "--json"], environment: ["TZ": "Asia/Shanghai"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["since"] as? String == "2001-01-01T00:00:00Z")

        let bad = try LookoutdProcess(brokerPort: try FreePort.find(), rules: .shipped, settings: ["site": ["time_zone": "Mars/Olympus"]])
        let check = try ChildProcess.run(ChildProcess.product("lookoutd"), ["--config", bad.configPath, "--check"])
        #expect(check.status != 0)
        #expect(check.stderr.contains("unknown time zone 'Mars/Olympus'") || check.stdout.contains("unknown time zone 'Mars/Olympus'"),
                "\(check.stdout)\(check.stderr)")
    }

    /// `rules check`/`rules test` read a rule file without `timezone` in the zone lookoutd reads it in: the site's
    /// (asked from lookoutd), lookoutd's default when it cannot be asked, or `--time-zone`. Never UTC by surprise:
    /// a night rule's test must pass or fail as the rule will run.
    @Test func ruleFilesWithoutTimezoneAreTestedInTheSiteZone() throws {
        let fixture = try CLIFixture()
        let rules = fixture.directory.file("night.rules"), tests = fixture.directory.file("night.test")
        try """
            rule night_door {
              on kind door channel event
              when event == "door_held_open"
              during 21:00-07:00
              level green
              title "Held open at night"
              team "property"
            }
            """.write(toFile: rules, atomically: true, encoding: .utf8)
        // 22:00 in Beijing is 14:00 UTC: night in the site's zone, daytime in UTC.
        try """
            rules "night.rules"
            start 2026-11-23T22:00:00+08:00
            device DR-0001 kind=door community=c01 building=3 address="Bldg 3"
            case "held open at 22:00 site time raises"
              at 0s publish "c01/door/DR-0001/event" {"event":"door_held_open","door":1}
              expect at 0s raise night_door/DR-0001 level green count 1
            """.write(toFile: tests, atomically: true, encoding: .utf8)

        let noDaemon = try fixture.run(["rules", "test", tests], environment: ["TZ": "UTC"])
        #expect(noDaemon.status == 0, "lookoutd's default zone, Asia/Shanghai: \(noDaemon.stdout)\(noDaemon.stderr)")
        let utc = try fixture.run(["rules", "test", "--time-zone", "UTC", tests])
        #expect(utc.status == 1, "at 14:00 UTC the night window is closed: \(utc.stdout)\(utc.stderr)")
        let bogus = try fixture.run(["rules", "test", "--time-zone", "Mars/Olympus", tests])
        #expect(bogus.status == 64 && bogus.stderr.contains("Mars/Olympus"), "\(bogus.stderr)")

        try fixture.startDaemon(settings: ["site": ["time_zone": "UTC"]])
        let siteUTC = try fixture.run(["rules", "test", tests], environment: ["TZ": "Asia/Shanghai"])
        #expect(siteUTC.status == 1, "the site's zone is UTC, so the window is closed: \(siteUTC.stdout)\(siteUTC.stderr)")
        #expect(try fixture.run(["rules", "check", rules]).status == 0)
    }

    /// A local time typed before any answer makes `lookout` ask the zone with `site`, which reads nothing: not with
    /// `status`, whose counts cost a second at 10 million events (the monthly report must answer within one).
    @Test func aLocalTimeAsksForTheSiteZoneCheaply() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        let month = try fixture.run(["stats", "--month", "2026-11"])
        #expect(month.status == 0, "\(month.stderr)")
        let operations = try fixture.store.auditEntries().map(\.operation)
        #expect(operations.suffix(2) == ["site", "stats"], "\(operations)")
        #expect(!operations.contains("status"), "\(operations)")
    }
}
