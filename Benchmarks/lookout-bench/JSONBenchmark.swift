import Daemon
import FoundationEssentials
import Rules

/// `lookout-bench json`: decodes a generated docs/domain.md traffic stream with our parser and with
/// FoundationEssentials' `JSONDecoder` into any values (`JSONBaseline`), in the same run.
enum JSONBenchmark: Benchmark {
    static let name = "json"
    static let summary = "decode the device payloads of docs/domain.md: lookout's JSONParser vs FoundationEssentials' JSONDecoder"
    static let optionsHelp = BenchmarkOptions.help

    static func run(_ options: BenchmarkOptions) throws -> BenchmarkReport {
        let payloads = generatePayloads(options)
        let bytes = payloads.reduce(0) { $0 + $1.count }

        // Every payload must decode, or the comparison measures error paths.
        let decodedFields = try decodeAll(payloads)
        guard decodedFields > 0 else { throw BenchmarkError(description: "generated payloads decoded to nothing") }

        let ours = BenchmarkTimer.fastest(rounds: options.rounds) { consume(try? decodeAll(payloads)) }
        let data = payloads.map { Data($0) }
        let foundation = BenchmarkTimer.fastest(rounds: options.rounds) {
            var fields = 0
            for payload in data {
                if let count = JSONBaseline.fieldCount(payload) { fields += count }
            }
            consume(fields)
        }
        return BenchmarkReport(results: [
            BenchmarkResult(name: "json: lookout JSONParser", operations: payloads.count, bytes: bytes, duration: ours),
            BenchmarkResult(name: "json: Foundation JSONDecoder, any values", operations: payloads.count, bytes: bytes, duration: foundation),
        ], notes: ["ratio: " + ResultTable.format(foundation / ours, decimals: 2) + "x"])
    }

    /// Payloads of the default traffic mix (`TrafficSample`), 10 ms apart.
    static func generatePayloads(_ options: BenchmarkOptions) -> [[UInt8]] {
        TrafficSample.messages(options, fleet: TrafficSample.fleet(options)).map(\.payload)
    }

    /// Decodes every payload with `JSONParser.parseObject`; returns the total number of fields.
    static func decodeAll(_ payloads: [[UInt8]]) throws -> Int {
        var fields = 0
        for payload in payloads {
            fields += try payload.withUnsafeBytes { buffer in try JSONParser.parseObject(buffer) }.fields.count
        }
        return fields
    }
}
