@testable import Daemon
import Foundation
import LookoutTestSupport
import Testing

@Suite struct SystemdNotifierTests {
    @Test func sendsDatagramsToAFileSocket() throws {
        let directory = try TemporaryDirectory()
        let socket = try NotifyListener(path: directory.file("notify"))
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.address])
        #expect(notifier.isActive)
        notifier.ready(status: "connected")
        #expect(datagram(0, of: socket) == "READY=1\nSTATUS=connected")
        notifier.reloading()
        let reloading = try #require(datagram(1, of: socket))
        #expect(reloading.hasPrefix("RELOADING=1\nMONOTONIC_USEC="))
        #expect(UInt64(reloading.split(separator: "=").last ?? "") != nil)
        notifier.stopping()
        #expect(datagram(2, of: socket) == "STOPPING=1")
    }

    @Test func sendsToAnAbstractSocket() throws {
        let name = "lookout-test-\(UUID().uuidString.prefix(8))"
        let socket = try NotifyListener(abstractName: name)
        #expect(socket.address == "@" + name)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.address])
        notifier.watchdog()
        #expect(datagram(0, of: socket) == "WATCHDOG=1")
    }

    @Test func statusTextIsSanitised() throws {
        let directory = try TemporaryDirectory()
        let socket = try NotifyListener(path: directory.file("notify"))
        SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.address]).status("bad\ndevice\u{1b}[31m")
        #expect(datagram(0, of: socket) == "STATUS=bad\\x0adevice\\x1b[31m")
    }

    @Test func watchdogIntervalIsHalfOfWatchdogUsecWhenThePIDIsOursOrUnset() {
        let socket = ["NOTIFY_SOCKET": "/run/systemd/notify"]
        #expect(SystemdNotifier(environment: socket.merging(["WATCHDOG_USEC": "20000000"]) { $1 }, pid: 42).watchdogInterval == 10)
        #expect(SystemdNotifier(environment: socket.merging(["WATCHDOG_USEC": "20000000", "WATCHDOG_PID": "42"]) { $1 }, pid: 42).watchdogInterval == 10)
        #expect(SystemdNotifier(environment: socket.merging(["WATCHDOG_USEC": "20000000", "WATCHDOG_PID": "7"]) { $1 }, pid: 42).watchdogInterval == nil)
        #expect(SystemdNotifier(environment: socket, pid: 42).watchdogInterval == nil)
    }

    @Test func inactiveWithoutNotifySocket() {
        let notifier = SystemdNotifier(environment: [:])
        #expect(!notifier.isActive)
        #expect(!notifier.send(["READY=1"]))
    }
}

/// The text of datagram number `index` (lines joined by newlines), or nil when it does not arrive in 5 s.
private func datagram(_ index: Int, of listener: NotifyListener) -> String? {
    guard listener.waitForMessage(from: index, timeout: 5, where: { _ in true }) == index else { return nil }
    return listener.messages[index].lines.joined(separator: "\n")
}
