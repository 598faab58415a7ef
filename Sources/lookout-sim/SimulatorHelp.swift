import Simulation
import Vocabulary

/// The `--help` text.
enum SimulatorHelp {
    static var text: String {
        var lines = [
            "lookout-sim \(lookoutVersion): publishes community device traffic (docs/domain.md) to an MQTT broker",
            "",
            "usage:",
            "  lookout-sim [traffic] [options]       background traffic: telemetry, door accesses, some alarms and clears",
            "  lookout-sim scenario NAME [options]   play one situation, then exit",
            "",
            "topics: {community}/{kind}/{device}/{channel}, kinds manhole smoke door sos, channels telemetry event status;",
            "payloads are the JSON of docs/domain.md with ts in Unix milliseconds. Devices: MH-0001…, SD-0001…, DR-0001…, SOS-0001…;",
            "devices 1 and 2 of each kind are in building 1, 3 and 4 in building 2, and so on.",
            "",
            "broker:",
            "  --host HOST              broker host (default 127.0.0.1)",
            "  --port PORT              broker port (default 1883)",
            "  --username NAME          user name",
            "  --password-file FILE     file holding the password (first line)",
            "  --client-id ID           MQTT client id (default lookout-sim-PID)",
            "  --qos 0|1                QoS of every message (default 1)",
            "",
            "devices:",
            "  --community ID           community id, first topic level (default c01)",
            "  --devices-per-kind N     devices of each kind (default 10, at most 250,000)",
            "  --manhole N, --smoke N, --door N, --sos N   devices of one kind",
            "  --seed N                 seed: the same seed gives the same devices and traffic (default 1)",
            "  --registry FILE          write a devices.csv registry for the simulated devices (with --count 0: only that)",
            "",
            "traffic:",
            "  --rate MSGS_PER_S        messages per second (default 10)",
            "  --duration S             stop after S seconds",
            "  --count N                stop after N messages (default: run until interrupted)",
            "  --event-fraction F       share of non-door messages that are events (default 0.08)",
            "  --garbage-rate F         share of messages that are garbage: malformed JSON, wrong types, impossible",
            "                           values, > 64 KiB, invalid UTF-8, empty, deep nesting, 1e999 (default 0)",
            "",
            "scenarios (real timing; --fast shortens waits that only let duration rules fire):",
        ]
        let width = Scenario.catalog.map(\.name.count).max() ?? 0
        for (name, summary) in Scenario.catalog {
            lines.append("  " + name + String(repeating: " ", count: width - name.count + 2) + summary)
        }
        lines += [
            "",
            "other:",
            "  --fast                   shorter scenario waits",
            "  -v, --verbose            print every message published",
            "  --dry-run                print the messages instead of connecting to a broker",
            "  -h, --help               this text",
            "  --version                version",
            "",
            "Exits 0 when done, 1 when the broker is unreachable or publishing fails, 64 on bad arguments (as lookout).",
        ]
        return lines.joined(separator: "\n")
    }
}
