import Vocabulary
import EventCore
import FoundationEssentials

/// `lookout-bench timeline`: what the keyed hash chain costs per appended timeline entry, against the whole append
/// in the same run. Rows: `--messages N` divided by 10 (default 20,000).
enum TimelineBenchmark: Benchmark {
    static let name = "timeline"
    static let summary = "the timeline's keyed chain: HMAC per entry vs a whole note appended; audit verify per entry"
    static let optionsHelp = ["--messages N   entries are N/10 (default 20,000)", "--rounds N"]

    static func run(_ options: BenchmarkOptions) throws -> BenchmarkReport {
        let rows = max(1, options.messages / 10)
        let directory = try BenchmarkDirectory(prefix: "lookout-bench-timeline")
        defer { directory.remove() }
        var storeOptions = StoreOptions()
        storeOptions.timelineKey = [UInt8](repeating: 0x5a, count: 32)
        let store = try EventStore(path: directory.file("timeline.db"), options: storeOptions)
        let event = try store.report(kind: "smoke", level: .red, location: EventLocation(address: "3号楼2单元502"),
                                     title: "bench", description: "", actor: "bench", at: 1_000)
        let note = "called the resident, no answer; the neighbour has a key and is on the way"

        // The chain's own work: one HMAC-SHA-256 of an entry's canonical encoding.
        var previous = TimelineChain.genesis
        let hashOnly = BenchmarkTimer.fastest(rounds: options.rounds) {
            for index in 0..<rows {
                previous = TimelineChain.hash(key: storeOptions.timelineKey, previous: previous, TimelineChain.Fields(
                    id: Int64(index), eventRowID: 1001, at: Int64(index), actor: "alice", action: "note", status: "open", note: note))
            }
        }
        consume(previous)
        // A staff note as the daemon appends it: one transaction with the timeline entry (last hash read, HMAC,
        // insert), the change-feed snapshot and the outbox row.
        var at: EpochMillis = 2_000
        let appended = try BenchmarkTimer.fastest(rounds: options.rounds) {
            for _ in 0..<rows {
                at += 1
                _ = try store.perform(.note, on: event.id, actor: "alice", note: note, at: at)
            }
        }
        // An unchained append of one row in its own transaction, for scale: the audit row of a request.
        let audited = try BenchmarkTimer.fastest(rounds: options.rounds) {
            for _ in 0..<rows {
                at += 1
                try store.recordAudit(AuditEntry(at: at, user: "alice", origin: "local uid 1000", operation: "note",
                                                 eventID: event.id, outcome: .ok))
            }
        }
        let entries = try store.verifyTimeline().entries
        let verified = try BenchmarkTimer.fastest(rounds: options.rounds) {
            guard try store.verifyTimeline().isIntact else { throw BenchmarkError(description: "the chain did not verify") }
        }
        let hashResult = BenchmarkResult(name: "timeline: HMAC chain hash only", operations: rows, duration: hashOnly)
        let noteResult = BenchmarkResult(name: "timeline: note appended (chained)", operations: rows, duration: appended)
        return BenchmarkReport(results: [
            hashResult, noteResult,
            BenchmarkResult(name: "api_audit row appended (unchained)", operations: rows, duration: audited),
            BenchmarkResult(name: "timeline: audit verify, per entry", operations: entries, duration: verified),
        ], notes: ["chain hash share of a note: "
                   + ResultTable.format(100 * hashResult.nanosecondsPerOperation / noteResult.nanosecondsPerOperation, decimals: 1)
                   + " % (\(entries) entries verified)"])
    }
}
