/// The lifecycle: which action is allowed in which status, and the status it leads to.
///
/// ```
///            acknowledge        dispatch          onsite          resolve         close
///   open ───────────────▶ acknowledged ───▶ dispatched ───▶ onsite ───▶ resolved ───▶ closed
///     │  (dispatch, onsite and resolve may skip steps; skipping implies acknowledge)   │
///     │                                                                                │
///     ├── device clear ──▶ cleared ──▶ closed / resolved                              │
///     ├── merge ─────────▶ merged (final)                                             │
///     └◀──────────────────── reopen (from resolved, closed, cleared) ◀─────────────────┘
/// ```
extension EventStatus {
    /// Statuses in which the event is the one open event of its key: raises fold into it,
    /// deadlines run, and the device can clear it.
    public static let active: [EventStatus] = [.open, .acknowledged, .dispatched, .onsite]

    /// Whether the event is the open event of its key.
    public var isActive: Bool { EventStatus.active.contains(self) }

    /// The status a staff action leads to from this status, or nil when it is refused.
    /// `.note` keeps the status and is allowed everywhere.
    public func after(_ action: EventAction) -> EventStatus? {
        switch (self, action) {
        case (_, .note):
            return self
        case (.open, .acknowledge):
            return .acknowledged
        case (.open, .dispatch), (.acknowledged, .dispatch), (.dispatched, .dispatch):
            return .dispatched
        case (.open, .onsite), (.acknowledged, .onsite), (.dispatched, .onsite):
            return .onsite
        case (.open, .resolve), (.acknowledged, .resolve), (.dispatched, .resolve), (.onsite, .resolve),
             (.cleared, .resolve):
            return .resolved
        case (.resolved, .close), (.cleared, .close):
            return .closed
        case (.resolved, .reopen), (.closed, .reopen), (.cleared, .reopen):
            return .open
        default:
            return nil
        }
    }

    /// Whether the device (or the daemon) may mark the event cleared in this status.
    public var canBeCleared: Bool { isActive }

    /// Whether the event may be merged into another in this status.
    public var canBeMerged: Bool { isActive || self == .cleared }
}

extension EventAction {
    /// The word used in the timeline, the change feed and error messages.
    public var name: String {
        switch self {
        case .acknowledge: return "acknowledged"
        case .dispatch: return "dispatched"
        case .onsite: return "onsite"
        case .resolve: return "resolved"
        case .close: return "closed"
        case .reopen: return "reopened"
        case .note: return "note"
        }
    }

    /// The imperative form for messages (`cannot acknowledge E-1001: it is closed`).
    public var verb: String {
        switch self {
        case .acknowledge: return "acknowledge"
        case .dispatch: return "dispatch"
        case .onsite: return "mark on site"
        case .resolve: return "resolve"
        case .close: return "close"
        case .reopen: return "reopen"
        case .note: return "add a note to"
        }
    }
}
