import Foundation
import Testing
import Vocabulary
@testable import lookout

/// `--since`/`--until` take what `journalctl` takes (issue 18): words, relative times, a time today, dates.
@Suite(.serialized) struct TimeTextTests {
    /// Runs `body` with the process's zone set to `zone` (local times below are in it), then restores it.
    static func inZone<T>(_ zone: String, _ body: () throws -> T) rethrows -> T {
        let saved = getenv("TZ").map { String(cString: $0) }
        setenv("TZ", zone, 1)
        tzset()
        defer {
            if let saved { setenv("TZ", saved, 1) } else { unsetenv("TZ") }
            tzset()
        }
        return try body()
    }

    @Test func journalctlFormsInTheLocalZone() throws {
        try Self.inZone("Asia/Shanghai") {
            // 2026-12-07 22:30:00 in Shanghai (UTC+8) = 14:30:00 UTC.
            let now: EpochMillis = 1_796_653_800_000
            let midnight: EpochMillis = now - (22 * 3600 + 30 * 60) * 1000
            #expect(TimeText.pointInTime("now", now: now) == now)
            #expect(TimeText.pointInTime("today", now: now) == midnight)
            #expect(TimeText.pointInTime("yesterday", now: now) == midnight - 86_400_000)
            #expect(TimeText.pointInTime("tomorrow", now: now) == midnight + 86_400_000)
            #expect(TimeText.pointInTime("2h", now: now) == now - 7_200_000)
            #expect(TimeText.pointInTime("-2h", now: now) == now - 7_200_000)
            #expect(TimeText.pointInTime("+30m", now: now) == now + 1_800_000)
            #expect(TimeText.pointInTime("2h ago", now: now) == now - 7_200_000)
            #expect(TimeText.pointInTime("06:00", now: now) == midnight + 6 * 3_600_000)
            #expect(TimeText.pointInTime("06:00:30", now: now) == midnight + 6 * 3_600_000 + 30_000)
            #expect(TimeText.pointInTime("2026-12-07", now: now) == midnight)
            #expect(TimeText.pointInTime("2026-12-07 08:00", now: now) == midnight + 8 * 3_600_000)
            #expect(TimeText.pointInTime("@1796653800", now: now) == now)
            for bad in ["soon", "25:00", "6:0", "-", "2h later", "@x", "2026-13-01", ""] {
                #expect(TimeText.pointInTime(bad, now: now) == nil, "\(bad)")
            }
            let november = try #require(TimeText.month("2026-11"))
            #expect(november.since == 1_793_491_200_000 - 8 * 3_600_000)   // 2026-11-01 00:00 +08:00
            #expect(november.until - november.since == 30 * 86_400_000)
            #expect(TimeText.month("2026-13") == nil && TimeText.month("11-2026") == nil)
        }
    }

    @Test func todayIsMidnightAlsoOnTheDayOfAClockChange() throws {
        try Self.inZone("Europe/Berlin") {
            // 2026-03-29 (23 hours: 02:00 → 03:00), 20:00 CEST = 18:00 UTC.
            let now: EpochMillis = 1_774_807_200_000
            #expect(TimeText.pointInTime("today", now: now) == 1_774_738_800_000)      // 2026-03-29 00:00 +01:00
            #expect(TimeText.pointInTime("yesterday", now: now) == 1_774_652_400_000)  // 2026-03-28 00:00 +01:00
        }
    }
}
