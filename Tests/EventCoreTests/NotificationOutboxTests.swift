import EventCore
import Foundation
import Vocabulary
import Testing

/// Issue 15 item 1: the notification outbox. Messages are queued in the transaction of the change that calls for
/// them, only for targets with a notifier, with idempotency keys of event, step, attempt and target.
@Suite struct NotificationOutboxTests {
    static let policy = NotificationPolicy(minimumLevel: ["grid-1": .green, "fire": .red, "emergency-contact": .red])

    @Test func raiseQueuesStepZeroForConfiguredTeamsAndRenotifyTheNextAttempt() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        store.notificationPolicy = Self.policy
        var smoke = trigger()
        smoke.teams = ["grid-1", "fire", "police"]  // police: no notifier, not queued
        let event = try store.raise(smoke).event
        let raised = try store.dueNotifications(now: t0, limit: 10)
        #expect(raised.map(\.idempotencyKey) == ["\(event.id).s0.a1.grid-1", "\(event.id).s0.a1.fire"])
        #expect(raised.allSatisfy { $0.reason == "raised" && $0.state == "pending" && $0.tries == 0 })

        // A plain repeat notifies nobody; a re-notification is the step's next attempt, with new keys.
        try store.raise(trigger(at: t0 + 1000))
        try store.renotify(eventKey: event.eventKey, at: t0 + 2000)
        let keys = try store.dueNotifications(now: t0 + 2000, limit: 10).map(\.idempotencyKey)
        #expect(keys == ["\(event.id).s0.a1.grid-1", "\(event.id).s0.a1.fire", "\(event.id).s0.a2.grid-1", "\(event.id).s0.a2.fire"])

        // Queueing the same message again (a step run twice after a crash) keeps one row.
        #expect(try store.queueNotifications(eventID: event.id, targets: ["fire"], step: 0, attempt: 2, reason: "again", at: t0 + 3000) == 0)
        // An escalation step names its own targets and step; the minimum level applies.
        #expect(try store.queueNotifications(eventID: event.id, targets: ["fire", "police"], step: 1, reason: "step 1", at: t0 + 3000) == 1)
        #expect(try store.pendingNotificationCount() == 5)
    }

    @Test func levelsSilencesAndUpgradesDecideWhoIsTold() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        store.notificationPolicy = Self.policy
        var yellow = trigger(level: .yellow)
        yellow.teams = ["grid-1", "fire"]
        let event = try store.raise(yellow).event
        #expect(try store.dueNotifications(now: t0, limit: 10).map(\.target) == ["grid-1"])  // fire: red only
        var red = yellow
        red.level = .red
        red.at = t0 + 1000
        try store.raise(red)
        let upgraded = try store.dueNotifications(now: t0 + 1000, limit: 10).filter { $0.reason == "upgraded" }
        #expect(upgraded.map(\.idempotencyKey) == ["\(event.id).s0.a2.grid-1", "\(event.id).s0.a2.fire"])

        // A silence hides a (non life-safety) event: nobody is told; when it ends and the event shows, they are.
        let quiet = try StoreFixture()
        quiet.store.notificationPolicy = Self.policy
        try quiet.store.addSilence(scope: .device("SD-0113"), until: t0 + 60_000, reason: "test", actor: "wang", at: t0)
        let hidden = try quiet.store.raise(trigger(at: t0 + 1000)).event
        #expect(hidden.silenced)
        #expect(try quiet.store.pendingNotificationCount() == 0)
        try quiet.store.releaseEndedSilences(now: t0 + 61_000)
        #expect(try quiet.store.dueNotifications(now: t0 + 61_000, limit: 10).map(\.reason) == ["unsilenced"])

        // Nothing is queued without a policy (no notifiers configured).
        let other = try StoreFixture()
        _ = try other.store.raise(trigger())
        #expect(try other.store.pendingNotificationCount() == 0)
    }

    @Test func outcomesAreOnTheTimelineAndRetriesKeepTheKey() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        store.notificationPolicy = NotificationPolicy(minimumLevel: ["grid-1": .green])
        let event = try store.raise(trigger()).event
        let message = try #require(try store.dueNotifications(now: t0, limit: 10).first)
        try store.recordNotificationOutcome(message, notifier: "http", outcome: .retry(error: "exit 7: curl: (7) Failed to connect", retryAt: t0 + 5000), at: t0 + 100)
        #expect(try store.dueNotifications(now: t0 + 4999, limit: 10).isEmpty)
        let retry = try #require(try store.dueNotifications(now: t0 + 5000, limit: 10).first)
        #expect(retry.idempotencyKey == message.idempotencyKey)
        #expect(retry.tries == 1)
        try store.recordNotificationOutcome(retry, notifier: "http", outcome: .sent, at: t0 + 5100)
        #expect(try store.pendingNotificationCount() == 0)
        let timeline = try store.timeline(of: event.id)
        #expect(timeline.map(\.action) == ["raised", "notify_failed", "notified"])
        #expect(timeline[1].note.hasPrefix("notification to grid-1 via http failed (attempt 1, try 1): exit 7: curl: (7) Failed to connect"))
        #expect(timeline[2].note == "grid-1 via http (attempt 1, try 2; key \(event.id).s0.a1.grid-1)")
        // Outcomes are not change-feed entries: `lookout watch` neither shows nor rings for them.
        #expect(try store.changes(after: 0, limit: 10).map(\.action) == ["raised"])
    }

    @Test func emergencyContactGetsTheRegisteredPhone() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        store.notificationPolicy = Self.policy
        var sos = trigger()
        sos.teams = ["grid-1"]
        sos.emergencyPhone = "+86 139-0000-0001"
        let event = try store.raise(sos).event
        #expect(try store.queueNotifications(eventID: event.id, targets: [TeamName.emergencyContact], step: 0,
                                             reason: "relatives", at: t0) == 1)
        let message = try #require(try store.dueNotifications(now: t0, limit: 10).first { $0.target == "emergency-contact" })
        #expect(message.idempotencyKey == "\(event.id).s0.a2.emergency-contact")
        #expect(try store.emergencyPhone(eventID: event.id) == "+86 139-0000-0001")
        #expect(try store.notificationSubject(message)?.event.id == event.id)
    }

    @Test func testMessagesAreOneTryAndCanBeWithdrawn() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let test = try store.queueTestNotification(target: "fire", at: t0)
        #expect(test.eventID.isEmpty)
        #expect(test.maxTries == 1)
        #expect(test.idempotencyKey.hasPrefix("test.") && test.idempotencyKey.hasSuffix(".fire"))
        #expect(try store.notificationSubject(test) == nil)
        #expect(try store.withdrawNotification(id: test.id))
        #expect(try store.notification(id: test.id)?.state == "gave_up")
        #expect(try !store.withdrawNotification(id: test.id))
    }
}
