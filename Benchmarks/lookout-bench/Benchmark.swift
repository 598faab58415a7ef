/// One `lookout-bench` subcommand.
protocol Benchmark {
    /// Subcommand name (`json`).
    static var name: String { get }
    /// One line for the usage text.
    static var summary: String { get }
    /// Options the subcommand takes, for the usage text (`--messages N  …`).
    static var optionsHelp: [String] { get }
    /// Runs the benchmark with parsed options and returns its measurements.
    static func run(_ options: BenchmarkOptions) throws -> BenchmarkReport
}

/// What one benchmark run prints: a table of measurements and lines of notes (sizes, ratios, stages).
struct BenchmarkReport {
    /// Table rows, baseline first.
    var results: [BenchmarkResult]
    /// Lines printed under the table.
    var notes: [String] = []
}

/// A benchmark stopped before measuring (bad options, a failed setup).
struct BenchmarkError: Error, CustomStringConvertible {
    /// One line for the terminal.
    var description: String
}
