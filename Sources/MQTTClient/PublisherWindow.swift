import FoundationEssentials
import Vocabulary

/// The shared state of an `MQTTPublisher`: its in-flight window and connection state, updated by
/// libmosquitto's network thread and waited on by the publishing thread.
///
/// A separate object (kept alive by the handle's userdata until the handle is destroyed), so a callback
/// never reaches a publisher that is being deinitialised.
final class PublisherWindow: @unchecked Sendable {
    /// Guards everything below; broadcast on every change.
    private let condition = ThreadCondition()
    /// `publish` calls between taking a slot and learning their message id.
    private var reservedSlots = 0
    /// Message ids of QoS > 0 messages waiting for their acknowledgement.
    private var unacknowledged: Set<Int32> = []
    /// Message ids of QoS 0 messages waiting to be written.
    private var unwritten: Set<Int32> = []
    /// Ids reported complete before `publish` registered them.
    private var completedEarly: Set<Int32> = []
    /// The last CONNACK code since `expectConnack`, nil while waiting.
    private var connackCode: Int32?
    /// Why the connection last went down.
    private var lastDisconnectReason: String?

    /// Messages taking a slot (call with the lock held).
    private var outstanding: Int { reservedSlots + unacknowledged.count + unwritten.count }

    /// Forgets the previous CONNACK before a new connect.
    func expectConnack() {
        update {
            $0.connackCode = nil
            $0.lastDisconnectReason = nil
        }
    }

    /// Waits for a CONNACK until `deadline`; returns its code, nil on timeout, and the last disconnect reason.
    func waitForConnack(until deadline: Date) -> (code: Int32?, disconnectReason: String?) {
        condition.lock()
        defer { condition.unlock() }
        while connackCode == nil, condition.wait(untilUnixTime: deadline.timeIntervalSince1970) {}
        return (connackCode, lastDisconnectReason)
    }

    /// Takes a slot, waiting while `limit` are taken; false if none freed up before `deadline`.
    func reserveSlot(limit: Int, until deadline: Date) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while outstanding >= limit {
            guard condition.wait(untilUnixTime: deadline.timeIntervalSince1970) else { return false }
        }
        reservedSlots += 1
        return true
    }

    /// Turns a reserved slot into a tracked message (`messageID`), or frees it when it was not queued.
    func register(messageID: Int32, qos: Int, queued: Bool) {
        update { window in
            window.reservedSlots -= 1
            guard queued, window.completedEarly.remove(messageID) == nil else { return }
            if qos > 0 { window.unacknowledged.insert(messageID) } else { window.unwritten.insert(messageID) }
        }
    }

    /// Waits until nothing is outstanding; returns the number still outstanding at `deadline` (0 = done).
    func waitUntilEmpty(until deadline: Date) -> Int {
        condition.lock()
        defer { condition.unlock() }
        while outstanding > 0, condition.wait(untilUnixTime: deadline.timeIntervalSince1970) {}
        return outstanding
    }

    /// CONNACK arrived.
    func didConnect(code: Int32) { update { $0.connackCode = code } }

    /// The connection went down. Unwritten QoS 0 messages are discarded by libmosquitto when it reconnects.
    func didDisconnect(reason: String) {
        update {
            $0.lastDisconnectReason = reason
            $0.unwritten.removeAll()
        }
    }

    /// A message completed: QoS 0 written, or QoS > 0 acknowledged.
    func didComplete(messageID: Int32) {
        update { window in
            if window.unacknowledged.remove(messageID) == nil, window.unwritten.remove(messageID) == nil {
                window.completedEarly.insert(messageID)
            }
        }
    }

    /// Changes the state under the lock and wakes every waiter.
    private func update(_ change: (PublisherWindow) -> Void) {
        condition.lock()
        change(self)
        condition.broadcast()
        condition.unlock()
    }
}
