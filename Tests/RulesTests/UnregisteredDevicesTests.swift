import Testing
@testable import Rules

/// The eviction order of unregistered devices stays bounded under a stream of new ids (issue 14 item 8: it grew
/// by one entry per message from a new device once the cap was reached).
@Test func theEvictionQueueOfUnregisteredDevicesStaysBounded() {
    var order = UnregisteredDevices()
    let cap = 1_000
    var largest = 0
    for device in 0..<200_000 {
        order.touch("X-\(device)")
        while order.count > cap { _ = order.evictOldest() }
        largest = max(largest, order.queue.count)
    }
    #expect(order.count == cap)
    #expect(largest < 4 * cap + 4_096, "the queue held \(largest) entries for \(cap) devices")
}
