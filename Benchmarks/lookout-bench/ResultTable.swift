/// Prints benchmark results as an aligned table, plus free-form notes.
enum ResultTable {
    /// Formats `results` as text: name, operations, msgs/s, ns/msg, MB/s.
    static func render(_ results: [BenchmarkResult]) -> String {
        let header = ["benchmark", "messages", "msgs/s", "ns/msg", "MB/s"]
        let rows = results.map { result -> [String] in
            let megabytes = result.bytes.map { format(Double($0) / result.seconds / 1e6, decimals: 1) } ?? "-"
            return [result.name, String(result.operations), format(result.operationsPerSecond, decimals: 0),
                    format(result.nanosecondsPerOperation, decimals: 1), megabytes]
        }
        let table = [header] + rows
        let widths = header.indices.map { column in table.map { $0[column].count }.max() ?? 0 }
        return table.map { row in
            row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + padding : padding + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// `p50 1.0 ms, p90 4.9 ms, p99 13.0 ms, max 20.3 ms` of latencies in milliseconds, sorted ascending (not empty):
    /// the nearest-rank percentiles every latency benchmark reports.
    static func percentiles(ofSorted latencies: [Double]) -> String {
        func at(_ p: Double) -> String {
            format(latencies[min(latencies.count - 1, Int(Double(latencies.count - 1) * p))], decimals: 1)
        }
        return "p50 \(at(0.5)) ms, p90 \(at(0.9)) ms, p99 \(at(0.99)) ms, max \(at(1)) ms"
    }

    /// `value` with a fixed number of decimals and thousands separators in the integer part.
    static func format(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return "inf" }
        let scale = [1.0, 10, 100, 1000][min(max(decimals, 0), 3)]
        let scaled = Int64((value * scale).rounded())
        let integer = String(scaled / Int64(scale))
        var grouped = ""
        for (index, character) in integer.reversed().enumerated() {
            if index > 0, index % 3 == 0, character != "-" { grouped.append(",") }
            grouped.append(character)
        }
        var text = String(grouped.reversed())
        if decimals > 0 {
            let fraction = String(abs(scaled % Int64(scale)))
            text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return text
    }
}
