import Daemon
import Vocabulary

#if canImport(Glibc)
import Glibc
#endif

/// Every subcommand; add new benchmarks (pipeline, store, e2e) here.
let benchmarks: [any Benchmark.Type] = [JSONBenchmark.self, PipelineBenchmark.self, LatencyBenchmark.self, RemoteAckBenchmark.self, TimelineBenchmark.self]

@MainActor func usage() -> String {
    var lines = ["usage: lookout-bench <benchmark> [options]", "", "benchmarks:"]
    for benchmark in benchmarks {
        lines.append("  \(benchmark.name)  \(benchmark.summary)")
        lines += benchmark.optionsHelp.map { "      " + $0 }
    }
    lines += ["", "Build with: swift build -c release --product lookout-bench"]
    return lines.joined(separator: "\n")
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first, command != "--help", command != "-h" else {
    print(usage())
    exit(arguments.isEmpty ? 2 : 0)
}
if command == "--version" {
    print("lookout-bench \(lookoutVersion)")
    exit(0)
}
guard let benchmark = benchmarks.first(where: { $0.name == command }) else {
    FileHandleOutput.error("lookout-bench: unknown benchmark '\(command)' (try --help)")
    exit(2)
}
do {
    let options = try BenchmarkOptions(Array(arguments.dropFirst()))
    #if DEBUG
    print("warning: debug build; numbers mean little (swift build -c release --product lookout-bench)")
    #endif
    let report = try benchmark.run(options)
    if !report.results.isEmpty { print(ResultTable.render(report.results)) }
    for note in report.notes { print(note) }
} catch {
    FileHandleOutput.error("lookout-bench: \(error)")
    exit(1)
}
