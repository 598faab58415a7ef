/// Unregistered devices in order of last sight, for eviction: O(1) amortised per touch.
struct UnregisteredDevices {
    private var latest: [String: Int] = [:]
    private(set) var queue: [(device: String, stamp: Int)] = []
    private var head = 0
    private var stamp = 0

    var count: Int { latest.count }

    mutating func touch(_ device: String) {
        stamp += 1
        latest[device] = stamp
        queue.append((device, stamp))
        if queue.count - head > 2 * latest.count + 1024 {
            queue = latest.map { ($0.key, $0.value) }.sorted { $0.stamp < $1.stamp }
            head = 0
        }
    }

    mutating func evictOldest() -> String? {
        // Drop the consumed front once it is most of the queue: at the cap every touch evicts one, so
        // without this the queue grew by one entry per message from a new device, forever (issue 14 item 8).
        if head > 1024 && head > queue.count / 2 {
            queue.removeFirst(head)
            head = 0
        }
        while head < queue.count {
            let entry = queue[head]
            head += 1
            if latest[entry.device] == entry.stamp {
                latest[entry.device] = nil
                return entry.device
            }
        }
        return nil
    }
}
