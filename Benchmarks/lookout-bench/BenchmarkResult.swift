/// One measured line of a benchmark.
struct BenchmarkResult {
    /// What was measured (`json: lookout parser`).
    var name: String
    /// Operations (messages) per round.
    var operations: Int
    /// Bytes processed per round, when meaningful.
    var bytes: Int?
    /// The fastest round.
    var duration: Duration

    /// Seconds of the fastest round.
    var seconds: Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }

    /// Operations per second.
    var operationsPerSecond: Double { seconds > 0 ? Double(operations) / seconds : .infinity }

    /// Nanoseconds per operation.
    var nanosecondsPerOperation: Double { operations > 0 ? seconds * 1e9 / Double(operations) : 0 }
}
