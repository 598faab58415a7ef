/// Times work with `ContinuousClock`.
enum BenchmarkTimer {
    /// Runs `body` once untimed (warm-up), then `rounds` timed times; returns the fastest round.
    static func fastest(rounds: Int, _ body: () throws -> Void) rethrows -> Duration {
        let clock = ContinuousClock()
        try body()
        var best = Duration.seconds(Int64.max)
        for _ in 0..<max(1, rounds) {
            let start = clock.now
            try body()
            best = min(best, clock.now - start)
        }
        return best
    }
}

/// Keeps a computed value alive so the optimiser cannot drop the work that produced it.
@inline(never)
func consume<T>(_ value: T) {
    withExtendedLifetime(value) {}
}
