import FoundationEssentials
import MQTTClient
import Simulation
import Vocabulary

#if canImport(Glibc)
import Glibc
#endif

let options: SimulatorOptions
do {
    options = try SimulatorOptions(Array(CommandLine.arguments.dropFirst()))
} catch {
    Terminal.complain("lookout-sim: \(error)")
    exit(EX_USAGE)
}

switch options.command {
case .help:
    Terminal.say(SimulatorHelp.text)
    exit(0)
case .version:
    Terminal.say("lookout-sim \(lookoutVersion)")
    exit(0)
case .traffic, .scenario:
    break
}

let fleet = SimulatedFleet(community: options.community, devicesPerKind: options.devicesPerKind, seed: options.seed)

if let registryFile = options.registryFile {
    do {
        try fleet.registryCSV.write(toFile: registryFile, atomically: true, encoding: .utf8)
    } catch {
        // The system's reason (`strerror`) of the failed write, e.g. "No such file or directory".
        let posix = ((error as? CocoaError)?.underlying ?? error) as? POSIXError
        let reason = posix.map { ErrnoError(errno: $0.code.rawValue).reason } ?? "\(error)"
        Terminal.complain("lookout-sim: cannot write registry \(registryFile): \(reason)")
        exit(1)
    }
    Terminal.say("wrote \(fleet.devices.count) devices to \(registryFile)")
    if options.command == .traffic, options.count == 0 { exit(0) }
}

var scenario: Scenario?
if case .scenario(let name) = options.command {
    do {
        scenario = try Scenario.named(name, fleet: fleet)
    } catch {
        Terminal.complain("lookout-sim: \(error)")
        exit(EX_USAGE)
    }
} else if fleet.devices.isEmpty {
    Terminal.complain("lookout-sim: no devices to simulate (all device counts are 0)")
    exit(EX_USAGE)
}

var publisher: MQTTPublisher?
if !options.dryRun {
    do {
        let mqttOptions = try options.mqttOptions()
        let connection = try MQTTPublisher(options: mqttOptions)
        try connection.connect(timeout: 10)
        publisher = connection
    } catch let error as UsageError {
        Terminal.complain("lookout-sim: \(error)")
        exit(EX_USAGE)
    } catch {
        Terminal.complain("lookout-sim: cannot connect to \(options.host):\(options.port): \(error)")
        exit(1)
    }
}

for signalNumber in [SIGINT, SIGTERM] {
    signal(signalNumber) { _ in stopRequested.store(true, ordering: .relaxed) }
}

var simulator = Simulator(options: options, fleet: fleet, publisher: publisher)
do {
    if let scenario {
        try simulator.play(scenario)
    } else {
        try simulator.runTraffic()
    }
    try publisher?.flush(timeout: 30)
} catch {
    Terminal.complain("lookout-sim: \(error) after \(simulator.summary)")
    publisher?.disconnect()
    exit(1)
}
publisher?.disconnect()
Terminal.say(simulator.summary)
