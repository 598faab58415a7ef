import FoundationEssentials
import MQTTClient
import Simulation
import Vocabulary

/// What `lookout-sim` was asked to do.
enum SimulatorCommand: Equatable {
    /// Publish background traffic.
    case traffic
    /// Play one scenario.
    case scenario(String)
    /// Print usage.
    case help
    /// Print the version.
    case version
}

/// A bad command line: one line for the terminal, exit status 2.
struct UsageError: Error, CustomStringConvertible {
    var description: String
}

/// Parsed command line of `lookout-sim`.
struct SimulatorOptions {
    /// Most devices of one kind (4 kinds: a registry of 1,000,000 devices for the scale benchmark).
    static let maxDevicesPerKind = 250_000

    var command = SimulatorCommand.traffic
    var host = "127.0.0.1"
    var port = 1883
    var username: String?
    var passwordFile: String?
    var clientID = "lookout-sim-\(ProcessInfo.processInfo.processIdentifier)"
    var community = "c01"
    var devicesPerKind: [SimulatedDeviceKind: Int] = Dictionary(uniqueKeysWithValues: SimulatedDeviceKind.allCases.map { ($0, 10) })
    var rate = 10.0
    var duration: Double?
    var count: Int?
    var qos = 1
    var seed: UInt64 = 1
    var garbageRate = 0.0
    var eventFraction = 0.08
    var registryFile: String?
    var fast = false
    var verbose = false
    var dryRun = false

    /// Parses the arguments after the program name.
    init(_ arguments: [String]) throws(UsageError) {
        var remaining = arguments[...]
        if let first = remaining.first, !first.hasPrefix("-") {
            remaining.removeFirst()
            switch first {
            case "scenario":
                guard let name = remaining.popFirst(), !name.hasPrefix("-") else {
                    throw UsageError(description: "scenario needs a name (see --help)")
                }
                guard Scenario.catalog.contains(where: { $0.name == name }) else {
                    throw UsageError(description: "unknown scenario '\(name)' (see --help)")
                }
                command = .scenario(name)
            case "traffic": command = .traffic
            case "help": command = .help
            default: throw UsageError(description: "unknown command '\(first)' (see --help)")
            }
        }
        while let option = remaining.popFirst() {
            func value() throws(UsageError) -> String {
                guard let value = remaining.popFirst() else { throw UsageError(description: "\(option) needs a value") }
                return value
            }
            switch option {
            case "-h", "--help": command = .help
            case "--version": command = .version
            case "--fast": fast = true
            case "-v", "--verbose": verbose = true
            case "--dry-run": dryRun = true
            case "--host": host = try value()
            case "--port": port = try Self.number(option, try value(), in: 1...65_535)
            case "--username": username = try value()
            case "--password-file": passwordFile = try value()
            case "--client-id": clientID = try value()
            case "--community":
                community = try value()
                guard !community.isEmpty, !community.contains(where: { "/+#".contains($0) }) else {
                    throw UsageError(description: "--community must be a non-empty topic level without / + #")
                }
            case "--devices-per-kind":
                let count = try Self.number(option, try value(), in: 0...SimulatorOptions.maxDevicesPerKind)
                for kind in SimulatedDeviceKind.allCases { devicesPerKind[kind] = count }
            case "--manhole", "--smoke", "--door", "--sos":
                guard let kind = SimulatedDeviceKind(rawValue: String(option.dropFirst(2))) else { throw UsageError(description: "unknown option \(option)") }
                devicesPerKind[kind] = try Self.number(option, try value(), in: 0...SimulatorOptions.maxDevicesPerKind)
            case "--rate": rate = try Self.decimal(option, try value(), in: 0.001...10_000_000)
            case "--duration": duration = try Self.decimal(option, try value(), in: 0...1e9)
            case "--count": count = try Self.number(option, try value(), in: 0...Int.max)
            case "--qos": qos = try Self.number(option, try value(), in: 0...1)
            case "--seed": seed = UInt64(try Self.number(option, try value(), in: 0...Int.max))
            case "--garbage-rate": garbageRate = try Self.decimal(option, try value(), in: 0...1)
            case "--event-fraction": eventFraction = try Self.decimal(option, try value(), in: 0...1)
            case "--registry": registryFile = try value()
            default: throw UsageError(description: "unknown option \(option) (see --help)")
            }
        }
    }

    /// Broker connection settings (clean session: the simulator only publishes).
    func mqttOptions() throws(UsageError) -> MQTTOptions {
        var options = MQTTOptions()
        options.host = host
        options.port = port
        options.clientID = clientID
        options.cleanSession = true
        options.username = username
        if let passwordFile {
            guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                throw UsageError(description: "cannot read --password-file \(passwordFile)")
            }
            options.password = text.trimmingNewlines()
        }
        return options
    }

    private static func number(_ option: String, _ text: String, in range: ClosedRange<Int>) throws(UsageError) -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw UsageError(description: "\(option) needs a whole number in \(range.lowerBound)…\(range.upperBound), got '\(text)'")
        }
        return value
    }

    private static func decimal(_ option: String, _ text: String, in range: ClosedRange<Double>) throws(UsageError) -> Double {
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw UsageError(description: "\(option) needs a number in \(range.lowerBound)…\(range.upperBound), got '\(text)'")
        }
        return value
    }
}
