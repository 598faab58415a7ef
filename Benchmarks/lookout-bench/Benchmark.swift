/// One `lookout-bench` subcommand.
protocol Benchmark {
    /// Subcommand name (`json`).
    static var name: String { get }
    /// One line for the usage text.
    static var summary: String { get }
    /// Options the subcommand takes, for the usage text (`--messages N  …`).
    static var optionsHelp: [String] { get }
    /// Runs the benchmark with parsed options and returns its measurements.
    static func run(_ options: BenchmarkOptions) throws -> [BenchmarkResult]
}

/// A benchmark stopped before measuring (bad options, a failed setup).
struct BenchmarkError: Error, CustomStringConvertible {
    /// One line for the terminal.
    var description: String
}
