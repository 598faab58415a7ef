import EventCore
import Foundation
import LookoutTestSupport
import TerminalText
import Vocabulary
@testable import lookout
import Testing

/// How `lookout watch`, `events` and `devices` look (issue 18): at 80 columns in English and in Chinese every line
/// fits (wide characters count two cells) and ids stay whole; who acted and to whom it was dispatched; the address
/// once per event; the bell for live red events, and for replayed history only for red events still waiting.
@Suite struct WatchLinesTests {
    static let longAddress = "幸福里小区北区3号楼2单元502室（东侧单元门进，左手第二户）"
    static let longTitle = "厨房烟感报警：住户不在家，电话无人接听，请物业值班人员立即上门查看并反馈"

    /// English (nothing set) and Simplified Chinese, at 80 columns.
    static func languages() throws -> [(name: String, environment: [String: String])] {
        var chinese = try TestLocale.chinese()
        chinese["COLUMNS"] = "80"
        return [("en", ["COLUMNS": "80"]), ("zh_CN", chinese)]
    }

    /// A red or yellow event with an acknowledgement deadline an hour away (so a DEADLINE is shown).
    @discardableResult
    static func raise(_ fixture: CLIFixture, _ device: String, level: AlertLevel, title: String = longTitle,
                      address: String = longAddress) throws -> EventRecord {
        var trigger = EventTrigger(
            rule: "smoke_alarm", eventKey: "smoke_alarm:\(device)", level: level, kind: "smoke", deviceID: device,
            location: EventLocation(community: "c01", building: "3", unit: "2", address: address, registered: true),
            title: title, teams: [], topic: "c01/smoke/\(device)/event", payload: "{}", at: fixture.now - 60_000)
        trigger.ackWithinSeconds = 3600
        trigger.onsiteWithinSeconds = 7200
        return try fixture.store.raise(trigger).event
    }

    /// Lines wider than `width` cells, the bell left aside.
    static func tooWide(_ text: String, width: Int = 80) -> [String] {
        text.split(separator: "\n").map { $0.replacingOccurrences(of: "\u{07}", with: "") }
            .filter { DisplayWidth.of($0) > width }
    }

    @Test func watchLinesFitEightyColumnsInBothLanguagesWithWholeIdsAndWhoActed() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        // A 15-character device id leaves room for who acted and to whom (with a `+08` zone mark when the
        // terminal's zone is not the community's); the 24-character one must stay whole too.
        let red = try Self.raise(fixture, "SMOKE-N3-U2-502", level: .red)
        let yellow = try Self.raise(fixture, "DOOR-N3-U2-ENTRANCE-EAST", level: .yellow, title: "单元门长时间未关闭",
                                    address: "幸福里小区北区3号楼2单元东侧单元门（门禁控制器在门厅吊顶内）")
        #expect(try fixture.run(["ack", red.id]).status == 0)
        let dispatched = try fixture.run(["dispatch", red.id, "--to", "物业维修班"])
        #expect(dispatched.status == 0, "\(dispatched.stderr)")
        let actor = try #require(try fixture.store.timeline(of: red.id).first { $0.action == "acknowledged" }?.actor)
        for language in try Self.languages() {
            // History only: the red event was taken, the yellow one is not red; nothing rings.
            let watch = try WatchProcess(fixture, ["--since-start", "--bell", "--interval", "0.1"], environment: language.environment)
            #expect(watch.stdout.wait(until: { $0.split(separator: "\n").count >= 4 }), "\(watch.stdout.text)")
            watch.interrupt()
            let text = watch.stdout.text
            let lines = text.split(separator: "\n").map(String.init)
            #expect(lines.count == 4, "\(language.name): \(text)")
            #expect(Self.tooWide(text).isEmpty, "\(language.name): wider than 80 columns: \(Self.tooWide(text))")
            #expect(Self.tooWide(watch.stderr.text).isEmpty, "\(language.name): header: \(watch.stderr.text)")
            #expect(!text.contains("\u{07}"), "\(language.name): replayed history of taken events does not ring: \(text)")
            let redLines = lines.filter { $0.contains(red.id) }
            #expect(redLines.count == 3 && redLines.allSatisfy { $0.contains(red.deviceID) }, "\(language.name): \(text)")
            #expect(lines.filter { $0.contains(yellow.id) }.allSatisfy { $0.contains(yellow.deviceID) }, "\(text)")
            guard redLines.count == 3 else { continue }
            let by = language.name == "en" ? "by \(actor)" : "操作人 \(actor)"
            #expect(redLines[1].contains(by), "\(language.name): who acknowledged: \(redLines[1])")
            #expect(redLines[2].contains(by) && redLines[2].contains("→ 物业维修班"), "\(language.name): \(redLines[2])")
            // The header says what is watched and from which lookoutd.
            let header = language.name == "en" ? "watching all events; the whole feed first; bell on; lookoutd at" : "正在跟踪全部事件；先输出全部变更记录；响铃；lookoutd："
            #expect(watch.stderr.text.contains(header), "\(language.name): \(watch.stderr.text)")
        }
    }

    /// The address is said on the first line of an event, not again on its later lines (unless one rings), and not
    /// beside a title that already holds it.
    @Test func theAddressIsShownOncePerEvent() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        let address = "幸福里小区北区3号楼2单元502室"
        let event = try Self.raise(fixture, "SD-0001", level: .yellow, title: "烟感报警", address: address)
        let inTitle = try Self.raise(fixture, "SD-0002", level: .yellow, title: "3号楼2单元602 烟感报警", address: "3号楼2单元602")
        #expect(try fixture.run(["ack", event.id]).status == 0)
        #expect(try fixture.run(["note", event.id, "已电话联系住户"]).status == 0)
        let watch = try WatchProcess(fixture, ["--since-start", "--no-bell", "--level", "yellow", "--silenced", "--interval", "0.1"],
                                     environment: ["COLUMNS": "200"])
        #expect(watch.stdout.wait(until: { $0.split(separator: "\n").count >= 4 }), "\(watch.stdout.text)")
        watch.interrupt()
        #expect(watch.stderr.text.hasPrefix("watching events (level YELLOW, silenced events too); the whole feed first; no bell; "
                                            + "lookoutd at \(fixture.socketPath) (Ctrl-C to stop)\n"), "\(watch.stderr.text)")
        let lines = watch.stdout.text.split(separator: "\n")
        let eventLines = lines.filter { $0.contains(event.id) }
        #expect(eventLines.count == 3, "\(watch.stdout.text)")
        #expect(eventLines.filter { $0.contains(address) }.count == 1 && eventLines.first?.contains(address) == true,
                "\(watch.stdout.text)")
        let titleLine = try #require(lines.first { $0.contains(inTitle.id) })
        #expect(titleLine.components(separatedBy: "3号楼2单元602").count == 2, "once on the line: \(titleLine)")
    }

    /// Replayed history rings only for red events still open and unacknowledged, once each (the last line of the
    /// event), including one that surfaced when its silence ended; a red event raised while watching rings.
    @Test func replayedHistoryRingsOnlyForRedEventsStillWaitingAndLiveOnesRing() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon()
        let taken = try Self.raise(fixture, "SD-0001", level: .red)
        _ = try fixture.store.perform(.acknowledge, on: taken.id, actor: "erin", note: "", at: fixture.now - 30_000)
        let waiting = try Self.raise(fixture, "SD-0002", level: .red)
        _ = try fixture.store.perform(.note, on: waiting.id, actor: "erin", note: "电话无人接听", at: fixture.now - 20_000)
        let yellow = try Self.raise(fixture, "SD-0003", level: .yellow)
        let silence = try fixture.store.addSilence(scope: .device("SD-0004"), until: fixture.now + 3_600_000,
                                                   reason: "检修", actor: "ops", at: fixture.now - 600_000)
        let surfaced = try Self.raise(fixture, "SD-0004", level: .red)
        try #require(surfaced.silenced)
        #expect(try fixture.store.removeSilence(id: silence.id, at: fixture.now - 10_000))
        // A red event raised live in one language's watch is history, still waiting, for the next one's.
        var waitingIDs = [waiting.id, surfaced.id]
        for language in try Self.languages() {
            let watch = try WatchProcess(fixture, ["--since-start", "--bell", "--interval", "0.1"], environment: language.environment)
            let stdout = watch.stdout
            #expect(stdout.wait(until: { $0.contains(surfaced.id) }), "\(stdout.text)")
            let live = try Self.raise(fixture, "SD-\(language.name)", level: .red)
            waitingIDs.append(live.id)
            #expect(stdout.wait(until: { $0.contains(live.id) }), "\(stdout.text)")
            watch.interrupt()
            let lines = stdout.text.split(separator: "\n")
            let ringing = lines.filter { $0.contains("\u{07}") }
            #expect(ringing.count == waitingIDs.count, "\(language.name): \(stdout.text)")
            for id in waitingIDs {
                #expect(ringing.filter { $0.contains(id) }.count == 1, "\(language.name) \(id): \(stdout.text)")
            }
            for id in [taken.id, yellow.id] { #expect(!ringing.contains { $0.contains(id) }, "\(id): \(stdout.text)") }
            // The bell goes with the last line of the waiting event in the history (its note), not the first.
            #expect(lines.last { $0.contains(waiting.id) }?.contains("\u{07}") == true, "\(stdout.text)")
            #expect(Self.tooWide(stdout.text).isEmpty, "\(language.name): \(Self.tooWide(stdout.text))")
        }
    }

    /// `events` and `devices` at 80 columns: id, level, device and deadline whole, the rest shortened or left out.
    @Test func eventsAndDevicesAtEightyColumnsKeepIdLevelDeviceAndDeadlineWhole() throws {
        let fixture = try CLIFixture()
        try fixture.startDaemon(registry: """
            id,kind,community,building,unit,address
            SMOKE-N3-U2-502-KITCHEN,smoke,幸福里小区北区,3,2,\(Self.longAddress)
            DOOR-N3-U2-ENTRANCE-EAST,door,幸福里小区北区,3,2,幸福里小区北区3号楼2单元东侧单元门（门禁控制器在门厅吊顶内）

            """)
        try fixture.waitUntilMirrored("DOOR-N3-U2-ENTRANCE-EAST")
        let red = try Self.raise(fixture, "SMOKE-N3-U2-502-KITCHEN", level: .red)
        let yellow = try Self.raise(fixture, "DOOR-N3-U2-ENTRANCE-EAST", level: .yellow)
        for language in try Self.languages() {
            let events = try fixture.run(["events"], environment: language.environment)
            #expect(events.status == 0, "\(events.stderr)")
            #expect(Self.tooWide(events.stdout).isEmpty, "\(language.name): \(events.stdout)")
            let levels = language.name == "en" ? ["RED", "YELLOW"] : ["红色", "黄色"]
            let deadline = language.name == "en" ? "ack 5" : "确认剩5"
            for (event, level) in zip([red, yellow], levels) {
                let line = try #require(events.stdout.split(separator: "\n").first { $0.hasPrefix(event.id + " ") })
                #expect(line.contains(event.deviceID) && line.contains(level) && line.contains(deadline),
                        "\(language.name): \(line)")
            }
            let devices = try fixture.run(["devices"], environment: language.environment)
            #expect(devices.status == 0, "\(devices.stderr)")
            #expect(Self.tooWide(devices.stdout).isEmpty, "\(language.name): \(devices.stdout)")
            for id in [red.deviceID, yellow.deviceID] {
                #expect(devices.stdout.split(separator: "\n").contains { $0.hasPrefix(id + " ") }, "\(language.name): \(devices.stdout)")
            }
        }
    }
}

/// The order in which a watch line gives way, on its own (no daemon): least important first, names and ids never cut.
@Suite struct WatchLineFitTests {
    typealias Part = WatchLine.Part
    typealias Step = WatchLine.Step

    static let parts: [Part] = [
        Part(text: "08:01:12", shorter: (Step.minutes, "08:01")), Part(text: "ACKNOWLEDGED"), Part(text: "E-1042"),
        Part(text: "RED"), Part(text: "acknowledged", pad: 12, drop: Step.status), Part(text: "smoke", drop: Step.kind),
        Part(text: "SMOKE-N3-U2-502-KITCHEN"), Part(text: "by 王小明", drop: Step.actor),
        Part(text: "厨房烟感报警：住户不在家", shrink: Step.title, minimum: 12, drop: Step.dropTitle),
        Part(text: "(幸福里小区北区3号楼2单元502室)", shrink: Step.place, minimum: 10, drop: Step.dropPlace, role: .place),
        Part(text: "on site 13m", drop: Step.deadline), Part(text: "raised 1m28s ago", drop: Step.age),
    ]

    @Test func partsGiveWayInOrderAndIdsAndNamesAreNeverCut() {
        let wide = WatchLine(Self.parts, width: 200)
        #expect(wide.parts.count == Self.parts.count)
        var previous = wide.parts.count
        for width in stride(from: 160, through: 40, by: -4) {
            let line = WatchLine(Self.parts, width: width)
            let text = line.rendered(style: TerminalStyle(coloured: false))
            for whole in ["ACKNOWLEDGED", "E-1042", "RED", "SMOKE-N3-U2-502-KITCHEN"] { #expect(text.contains(whole), "\(width): \(text)") }
            #expect(line.parts.count <= previous, "parts only go as the width shrinks")
            previous = line.parts.count
            if line.parts.contains(where: { $0.text.hasPrefix("by ") }) { #expect(text.contains("by 王小明"), "names whole: \(text)") }
            if DisplayWidth.of(text) > width {
                // Only what never gives way is left, shortened time included.
                #expect(line.parts.map(\.text) == ["08:01", "ACKNOWLEDGED", "E-1042", "RED", "SMOKE-N3-U2-502-KITCHEN"], "\(text)")
            }
        }
        let eighty = WatchLine(Self.parts, width: 80).rendered(style: TerminalStyle(coloured: false))
        #expect(DisplayWidth.of(eighty) <= 80)
        #expect(!eighty.contains("raised") && !eighty.contains("smoke") && !eighty.contains("on site") && eighty.contains("by 王小明"),
                "the age, kind and then the deadline go before who acted: \(eighty)")
        #expect(eighty.hasPrefix("08:01:12  "), "seconds kept while they fit: \(eighty)")
        let ninety = WatchLine(Self.parts, width: 90).rendered(style: TerminalStyle(coloured: false))
        #expect(ninety.contains("on site 13m") && !ninety.contains("厨房") && !ninety.contains("幸福里"),
                "the title and address go before the deadline: \(ninety)")
    }
}
