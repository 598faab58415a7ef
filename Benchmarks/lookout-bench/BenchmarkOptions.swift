/// Options shared by every subcommand: `--messages N`, `--rounds N`, `--seed N`.
struct BenchmarkOptions {
    /// How many messages (operations) one round processes.
    var messages = 200_000
    /// How many timed rounds; the fastest counts (the others absorb warm-up and noise).
    var rounds = 5
    /// Seed of the generated traffic.
    var seed: UInt64 = 1
    /// Devices of each kind the generated traffic comes from.
    var devicesPerKind = 100
    /// Rule directory the pipeline benchmark compiles (`--rules DIR`).
    var rulesDirectory = "config/rules.d"
    /// Where the pipeline benchmark copies its database when done (`--keep-database PATH`), for `scripts/bench-store.sh`.
    var keptDatabasePath: String?
    /// Broker port of `latency` (a running lookoutd's broker on 127.0.0.1).
    var port = 1883
    /// Background messages per second of `latency`.
    var backgroundRate = 10_000
    /// The database a running lookoutd writes, for `latency` (`--database PATH`).
    var databasePath = "lookout.db"
    /// Messages per batch handed to the pipeline, like one MQTT read pass (`--batch N`).
    var batchSize = 2000
    /// The staff broker user of `remote-ack` (`--user NAME`) and the file holding its password (`--password-file PATH`).
    var user = "bench"
    var passwordFile: String?
    /// Whether `pipeline` also runs the full pipeline with SQLite (`--pipeline off`: only the decode and rules stages).
    var runsFullPipeline = true

    /// Parses `arguments` (after the subcommand name).
    init(_ arguments: [String]) throws(BenchmarkError) {
        var remaining = arguments[...]
        while let option = remaining.popFirst() {
            guard let value = remaining.popFirst() else { throw BenchmarkError(description: "\(option) needs a value") }
            switch option {
            case "--rules":
                rulesDirectory = value
                continue
            case "--database":
                databasePath = value
                continue
            case "--user":
                user = value
                continue
            case "--password-file":
                passwordFile = value
                continue
            case "--keep-database":
                keptDatabasePath = value
                continue
            case "--pipeline":
                guard value == "on" || value == "off" else { throw BenchmarkError(description: "--pipeline needs on or off, got '\(value)'") }
                runsFullPipeline = value == "on"
                continue
            default: break
            }
            guard let number = UInt64(value), number > 0 else {
                throw BenchmarkError(description: "\(option) needs a positive whole number, got '\(value)'")
            }
            switch option {
            case "--messages": messages = Int(clamping: number)
            case "--rounds": rounds = Int(clamping: number)
            case "--seed": seed = number
            case "--devices-per-kind": devicesPerKind = Int(clamping: number)
            case "--batch": batchSize = Int(clamping: number)
            case "--port": port = Int(clamping: number)
            case "--background-rate": backgroundRate = Int(clamping: number)
            default: throw BenchmarkError(description: "unknown option \(option)")
            }
        }
    }

    /// Usage lines for the shared options.
    static let help = [
        "--messages N          messages per round (default 200000)",
        "--rounds N            timed rounds, the fastest is reported (default 5)",
        "--seed N              seed of the generated traffic (default 1)",
        "--devices-per-kind N  simulated devices of each kind (default 100)",
    ]
}
