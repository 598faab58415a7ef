import EventCore
import StaffAPI
import Vocabulary

/// The shift handover: the summary (`handover`), handing over (`handover_give`) and taking over (`handover_accept`).
/// Both acts are recorded as the request's audit row, under the caller's authenticated name: the name given with
/// `--to` is only whom it is handed to, and counts as taken over only when that person accepts it.
extension StaffRequestHandler {
    /// Runs one of the three handover operations (inside the caller's transaction).
    func handover(_ operation: APIOperation, _ args: Arguments, actor: String, directory: StaffDirectory,
                  store: EventStore, now: EpochMillis, into result: inout APIResult) throws {
        var since: EpochMillis?
        if args["since"] != nil {
            let value = try args.time("since")
            guard value <= now else {
                throw Stop(error: APIError(.badRequest, "handover: 'since' is in the future"), outcome: .badRequest)
            }
            since = value
        }
        var summary = try store.shiftHandover(since: since, now: now)
        switch operation {
        case .handoverGive:
            let to = try args.argument("to")
            guard to != actor else {
                throw Stop(error: APIError(.badRequest, "handover: hand the shift over to someone else than yourself (\(actor))",
                                           reason: APIError.handoverToSelf, values: [actor]), outcome: .badRequest)
            }
            guard directory.member(to) != nil else {
                let shown = TextSanitizer.sanitize(String(to.prefix(64)))
                throw Stop(error: APIError(.badRequest, "handover: '\(shown)' is not in the staff directory \(directory.sourcePath)",
                                           reason: APIError.unknownStaff, values: [shown]), outcome: .badRequest)
            }
            summary.last = ShiftHandover.Record(at: now, from: actor, to: to, note: args.noted(args["note"] ?? ""))
        case .handoverAccept:
            guard var pending = summary.last, pending.acceptedAt == nil else {
                throw Stop(error: APIError(.failed, "handover: no handover waits for \(actor)", reason: APIError.noHandover,
                                           values: [actor]), outcome: .failed)
            }
            guard pending.to == actor else {
                throw Stop(error: APIError(.failed, "handover: \(pending.from) handed the shift over to \(pending.to), not to \(actor)",
                                           reason: APIError.handoverForOther, values: [pending.from, pending.to, actor]),
                           outcome: .failed)
            }
            pending.acceptedAt = now
            pending.acceptedBy = actor
            summary.last = pending
        default:
            break
        }
        result.handover = summary
    }

    /// The audit detail of a handover act: `to bob: note` or `from alice`; nil for other operations.
    static func handoverDetail(_ operation: APIOperation, _ result: APIResult) -> String? {
        guard let last = result.handover?.last else { return nil }
        switch operation {
        case .handoverGive: return String(last.giveDetail.prefix(500))
        case .handoverAccept: return "from \(last.from)"
        default: return nil
        }
    }
}
