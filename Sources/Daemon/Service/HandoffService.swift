import EventCore
import Foundation
import MQTTClient
import Synchronization

/// Publishes event changes from the store's outbox to the broker (`lookout/events/{level}/{id}`), at least
/// once: rows are marked sent only after the broker acknowledged every message of the round.
///
/// Runs on its own thread with its own `EventStore` and `MQTTPublisher`, so a slow broker never stalls intake.
final class HandoffService: Service, @unchecked Sendable {
    let name = "handoff"
    private let configuration: DaemonConfiguration
    private let openStore: () throws -> EventStore
    private let log: Logger
    private let stop = StopSignal()
    /// Rows waiting, as last seen (-1 before the first look).
    let backlog = Atomic<Int>(-1)

    init(configuration: DaemonConfiguration, log: Logger, openStore: @escaping () throws -> EventStore) {
        self.configuration = configuration
        self.log = log
        self.openStore = openStore
    }

    func shutdown() { stop.fire() }

    private var stopping: Bool { stop.isSet }

    func run() throws {
        let store = try openStore()
        var options = configuration.broker
        options.clientID = String((configuration.broker.clientID + "-handoff").prefix(64))
        options.cleanSession = true
        var publisher: MQTTPublisher?
        var delay = configuration.broker.reconnectDelayMin
        var failing = false
        while !stopping {
            do {
                backlog.store(try store.outboxCount(), ordering: .relaxed)
                let pending = try store.pendingOutbox(limit: configuration.handoffBatch)
                guard !pending.isEmpty else {
                    stop.wait(seconds: 0.5)
                    continue
                }
                if publisher == nil {
                    let fresh = try MQTTPublisher(options: options)
                    try fresh.connect(timeout: 10)
                    publisher = fresh
                }
                guard let publisher else { continue }
                for message in pending {
                    try publisher.publish(topic: message.handoffTopic(pattern: configuration.handoffTopic),
                                          payload: Array(Self.payload(of: message, configuration).utf8), qos: configuration.handoffQoS)
                }
                try publisher.flush(timeout: 30)
                try store.markOutboxSent(ids: pending.map(\.id))
                if failing {
                    log.info("event hand-off to the broker works again")
                    failing = false
                }
                delay = configuration.broker.reconnectDelayMin
            } catch {
                if !failing { log.warning("event hand-off failed: \(error); retrying (events stay in the outbox)") }
                failing = true
                publisher?.disconnect()
                publisher = nil
                stop.wait(seconds: delay)
                delay = min(delay * 2, configuration.broker.reconnectDelayMax)
            }
        }
        publisher?.disconnect()
    }

    /// The JSON published for `message`: the event as the change feed keeps it, without the resident fields that
    /// `[handoff] resident_fields` does not name (none by default): the hand-off's readers are other systems.
    static func payload(of message: OutboxMessage, _ configuration: DaemonConfiguration) -> String {
        let event = message.change.event
        let withheld = EventRecord.residentFields.filter { !configuration.handoffResidentFields.contains($0) }
        guard withheld.contains(where: { !event.location[text: $0].isEmpty }) else { return message.json }
        return event.withoutResidentData(keeping: configuration.handoffResidentFields).snapshotJSON
    }
}
