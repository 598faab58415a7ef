import EventCore
import Vocabulary

/// Counters of the ingest pipeline, owned by the MQTT loop thread (status and metrics are written there too).
public struct PipelineCounters: Sendable {
    /// Messages read from the broker.
    public var received: Int64 = 0
    /// Messages that passed decoding and went to the rule engine.
    public var processed: Int64 = 0
    /// Redeliveries recognised by fingerprint and skipped.
    public var duplicates: Int64 = 0
    /// Retained messages already processed (a device's last state delivered again after a subscribe): skipped.
    public var retainedKnown: Int64 = 0
    /// Our own hand-off publications that came back through a broad subscription (ignored).
    public var ownHandoff: Int64 = 0
    /// Rejected messages by reason.
    public var rejected: [String: Int64] = [:]
    /// New events by level.
    public var eventsRaised: [AlertLevel: Int64] = [:]
    /// Escalations performed.
    public var escalations: Int64 = 0
    /// Re-notifications recorded.
    public var renotifications: Int64 = 0
    /// Times the connection came up after the first.
    public var brokerReconnects: Int64 = 0
    /// Transactions committed.
    public var commits: Int64 = 0
    /// Transactions that failed (nothing acknowledged, retried).
    public var commitFailures: Int64 = 0
    /// Seconds spent in committed transactions.
    public var commitSecondsSum: Double = 0
    /// Longest committed transaction, seconds.
    public var commitSecondsMax: Double = 0
    /// Messages from unregistered devices beyond `max_unknown_devices` (not mirrored into the devices table).
    public var unknownDevicesOverCap: Int64 = 0
    /// Since when commits fail (nothing is acknowledged to the broker meanwhile), and whether because the disk
    /// is full; nil while they succeed. `lookout status` says so instead of calling the daemon down.
    public var commitsFailing: (since: EpochMillis, diskFull: Bool)?
    /// Time of the last commit (0: none yet).
    public var lastCommitAt: EpochMillis = 0
    /// Messages received per second, last 60 seconds (ring by second).
    private var perSecond = [Int64](repeating: 0, count: 60)
    private var perSecondStamp = [Int64](repeating: -1, count: 60)

    /// Creates zeroed counters.
    public init() {}

    /// Counts `n` received messages at `now`.
    public mutating func countReceived(_ n: Int, at now: EpochMillis) {
        received += Int64(n)
        let second = now / 1000
        let slot = Int(second % 60)
        if perSecondStamp[slot] != second {
            perSecondStamp[slot] = second
            perSecond[slot] = 0
        }
        perSecond[slot] += Int64(n)
    }

    /// Average messages per second over the last minute.
    public func messagesPerSecond(at now: EpochMillis) -> Double {
        let second = now / 1000
        var total: Int64 = 0
        for slot in 0..<60 where perSecondStamp[slot] > second - 60 && perSecondStamp[slot] <= second {
            total += perSecond[slot]
        }
        return Double(total) / 60
    }

    /// Counts one committed transaction that took `seconds`.
    public mutating func countCommit(seconds: Double, at now: EpochMillis) {
        commits += 1
        commitSecondsSum += seconds
        commitSecondsMax = max(commitSecondsMax, seconds)
        lastCommitAt = now
    }

    /// Total rejected messages.
    public var rejectedTotal: Int64 { rejected.values.reduce(0, +) }
}
