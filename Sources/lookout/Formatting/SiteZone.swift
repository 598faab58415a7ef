import Glibc
import Synchronization
import Vocabulary

/// The community's time zone (lookoutd's `[site] time_zone`), in which `lookout` shows times and reads local ones
/// (`today`, `06:00`, `2026-11-23 08:00`, `--month`), whatever the terminal's `TZ`: a shift reads the community's
/// clock. lookoutd tells it in every answer; a local time typed before the first answer makes `lookout` ask first
/// (one `site` request, which costs nothing). The process's `TZ` is set to it, so every local-time formatting and parsing follows.
/// When it differs from the terminal's zone, each time shown carries the offset (`08:00:12 +08`).
final class SiteZone: Sendable {
    /// The one site zone of this process.
    static let shared = SiteZone()

    private struct State {
        /// The zone in force (its name), once lookoutd said it.
        var name: String?
        var zone: ZoneInfo?
        /// Whether times shown are marked with the offset (the terminal's zone differs).
        var marked = false
        /// How to ask lookoutd when a local time must be read before any answer came.
        var ask: (@Sendable () -> String?)?
        var asked = false
    }

    private let state = Mutex(State())

    /// How to learn the zone from lookoutd when none is known yet (set once the command knows its door).
    func install(ask: @escaping @Sendable () -> String?) {
        state.withLock { $0.ask = ask }
    }

    /// Adopts the zone lookoutd named (ignored when empty, unknown to tzdata, or already in force).
    func adopt(_ name: String?) {
        guard let name, !name.isEmpty, state.withLock({ $0.name != name }),
              let zone = try? ZoneInfo.named(name) else { return }
        let now = WallClock.now()
        // The terminal's offsets now and half a year either side (daylight saving), before TZ changes.
        let instants = [now, now - 182 * 86_400_000, now + 182 * 86_400_000]
        let terminal = instants.map(Self.localOffset)
        setenv("TZ", name, 1)
        tzset()
        let marked = zip(instants, terminal).contains { zone.offset(at: $0) != $1 }
        state.withLock {
            $0.name = name
            $0.zone = zone
            $0.marked = marked
        }
    }

    /// Before a local time is read: asks lookoutd for the zone when no answer has told it yet (once; nothing when
    /// lookoutd cannot be asked, and the terminal's zone is used).
    func prepareForLocalTime() {
        let ask: (@Sendable () -> String?)? = state.withLock { state in
            guard state.name == nil, !state.asked else { return nil }
            state.asked = true
            return state.ask
        }
        guard let ask else { return }
        adopt(ask())
    }

    /// The zone in force, when lookoutd said it.
    var name: String? { state.withLock { $0.name } }

    /// ` +08` (or ` +0530`, ` -05`) after a time shown when the site's zone differs from the terminal's, else empty.
    func marker(at millis: EpochMillis) -> String {
        guard let zone = state.withLock({ $0.marked ? $0.zone : nil }) else { return "" }
        return " " + Self.offsetText(zone.offset(at: millis))
    }

    /// `+08`, `+0530`, `-05`, `+00`: an offset east of UTC in seconds.
    static func offsetText(_ seconds: Int) -> String {
        let minutes = abs(seconds) / 60
        let hours = minutes / 60, rest = minutes % 60
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return (seconds < 0 ? "-" : "+") + two(hours) + (rest == 0 ? "" : two(rest))
    }

    /// The C library's offset of local time (the process's `TZ`) at `millis`, in seconds east of UTC.
    private static func localOffset(_ millis: EpochMillis) -> Int {
        var seconds = time_t(millis / 1000)
        var parts = tm()
        localtime_r(&seconds, &parts)
        return Int(parts.tm_gmtoff)
    }
}
