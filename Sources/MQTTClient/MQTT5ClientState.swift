import FoundationEssentials
import Vocabulary

/// The shared state of an `MQTT5Client`: connection, subscription round, publish outcomes and received messages,
/// updated by libmosquitto's network thread and waited on by the client's users.
///
/// A separate object (kept alive by the handle's userdata until the handle is destroyed), so a callback never
/// reaches a client that is being deinitialised.
final class MQTT5ClientState: @unchecked Sendable {
    /// Most received messages kept unread; more are dropped and counted (a flood must not grow memory).
    static let inboxLimit = 10_000

    /// Filters subscribed after every connect, with their QoS.
    let subscriptions: [(filter: String, qos: Int)]
    /// Guards everything below; broadcast on every change.
    private let condition = ThreadCondition()
    /// The last CONNACK reason code since `expectConnack`, nil while waiting.
    private var connackCode: Int32?
    /// Why the connection last went down.
    private var lastDisconnectReason: String?
    /// Whether the connection is up and subscribed.
    private var ready = false
    /// SUBSCRIBE message ids of the current round still unacknowledged, with their filters.
    private var pendingSubscriptions: [Int32: String] = [:]
    /// Filters the broker refused in the current round.
    private var refusedFilters: [String] = []
    /// PUBACK reason codes (0 for a QoS 0 message written) by message id, for `waitForPublish`.
    private var publishOutcomes: [Int32: Int32] = [:]
    /// Message ids whose outcome nobody waits for.
    private var ignoredPublishes: Set<Int32> = []
    /// Received messages not yet taken.
    private var inbox: [MQTT5Message] = []
    /// Messages dropped because the inbox was full.
    private(set) var droppedMessages = 0

    init(subscriptions: [(filter: String, qos: Int)]) {
        self.subscriptions = subscriptions
    }

    /// Forgets the previous CONNACK before a new connect.
    func expectConnack() {
        update {
            $0.connackCode = nil
            $0.lastDisconnectReason = nil
        }
    }

    /// Waits until the connection is up with its subscriptions acknowledged, refused, or `deadline` passes.
    func waitUntilReady(until deadline: Date) -> (code: Int32?, ready: Bool, refused: [String], disconnectReason: String?) {
        condition.lock()
        defer { condition.unlock() }
        while !ready, connackCode == nil || (connackCode == 0 && refusedFilters.isEmpty),
              condition.wait(untilUnixTime: deadline.timeIntervalSince1970) {}
        return (connackCode, ready, refusedFilters, lastDisconnectReason)
    }

    /// Whether the connection is up and subscribed.
    var isReady: Bool { locked { $0.ready } }

    /// CONNACK arrived; `subscriptionIDs` are the SUBSCRIBEs sent for this connection.
    func didConnect(code: Int32, subscriptionIDs: [Int32: String]) {
        update { state in
            state.connackCode = code
            state.pendingSubscriptions = subscriptionIDs
            state.refusedFilters = []
            state.ready = code == 0 && subscriptionIDs.isEmpty
        }
    }

    /// A SUBACK arrived with the broker's granted QoS or reason code per filter (≥ 128: refused).
    func didSubscribe(messageID: Int32, codes: [Int32]) {
        update { state in
            guard let filter = state.pendingSubscriptions.removeValue(forKey: messageID) else { return }
            if codes.contains(where: { $0 >= 128 }) { state.refusedFilters.append(filter) }
            state.ready = state.connackCode == 0 && state.pendingSubscriptions.isEmpty && state.refusedFilters.isEmpty
        }
    }

    /// The connection went down.
    func didDisconnect(reason: String) {
        update {
            $0.lastDisconnectReason = reason
            $0.ready = false
        }
    }

    /// A publish completed: written (QoS 0) or acknowledged with `reasonCode` (QoS > 0).
    func didPublish(messageID: Int32, reasonCode: Int32) {
        update { state in
            if state.ignoredPublishes.remove(messageID) == nil { state.publishOutcomes[messageID] = reasonCode }
        }
    }

    /// Nobody waits for `messageID`'s outcome.
    func ignorePublish(messageID: Int32) {
        update { state in
            if state.publishOutcomes.removeValue(forKey: messageID) == nil { state.ignoredPublishes.insert(messageID) }
        }
    }

    /// Waits for `messageID`'s outcome until `deadline`; nil when none came.
    func waitForPublish(messageID: Int32, until deadline: Date) -> Int32? {
        condition.lock()
        defer { condition.unlock() }
        while publishOutcomes[messageID] == nil, condition.wait(untilUnixTime: deadline.timeIntervalSince1970) {}
        return publishOutcomes.removeValue(forKey: messageID)
    }

    /// A message arrived.
    func didReceive(_ message: MQTT5Message) {
        update { state in
            if state.inbox.count < Self.inboxLimit { state.inbox.append(message) } else { state.droppedMessages += 1 }
        }
    }

    /// The oldest received message, waiting for one until `deadline`.
    func nextMessage(until deadline: Date) -> MQTT5Message? {
        condition.lock()
        defer { condition.unlock() }
        while inbox.isEmpty, condition.wait(untilUnixTime: deadline.timeIntervalSince1970) {}
        return inbox.isEmpty ? nil : inbox.removeFirst()
    }

    /// Reads the state under the lock.
    private func locked<T>(_ read: (MQTT5ClientState) -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return read(self)
    }

    /// Changes the state under the lock and wakes every waiter.
    private func update(_ change: (MQTT5ClientState) -> Void) {
        condition.lock()
        change(self)
        condition.broadcast()
        condition.unlock()
    }
}
