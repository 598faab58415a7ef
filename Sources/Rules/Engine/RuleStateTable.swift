/// The engine's per-device rule state, reached through one hash look-up per message.
///
/// Every device the engine keeps state for has a dense index (`DeviceIndex`), found once per message by its
/// id; the registry record is cached under that index. The states of all (rule, device) pairs live in one
/// array of entries, chained per device (a device has a state under one to three rules), so a rule's state
/// of a device is a short walk from the device's first entry: no String hashing per rule. Entries changed
/// since the last `takeDirty()` are listed once each (a flag per entry), so taking the changes is
/// proportional to what changed, not to the table. Indices of forgotten devices and released entries are
/// reused, so the table is bounded by the devices and states alive, not by all ever seen.
struct RuleStateTable {
    /// Dense index of a device in the table.
    typealias DeviceIndex = Int32
    /// Position of one (rule, device) state in the table.
    typealias EntryIndex = Int32

    /// One rule's state of one device.
    struct Entry {
        var state: RuleKeyState
        var device: DeviceIndex
        /// The rule's position in the rule set.
        var rule: Int32
        /// Next entry of the same device (-1: none).
        var next: EntryIndex
        /// Changed since the last `takeDirty()`.
        var isDirty: Bool
        /// In use (false: on the free list).
        var isLive: Bool
    }

    /// Device indices by id (read directly on the hot path: a method call on the engine's table may copy it).
    private(set) var indexByID: [String: DeviceIndex] = [:]
    /// What the table knows of one device, together (one cache line reached per message, not three).
    struct Device {
        /// The device id ("" for a free index).
        var id: String
        /// The registry record (nil: not registered).
        var record: DeviceRecord? {
            didSet { reportIntervalSeconds = record?.reportIntervalSeconds }
        }
        /// The record's report interval, kept beside it: absence rules read it for every message of the device,
        /// and through the record it is two dependent loads (the record, then its shared fields) away.
        private(set) var reportIntervalSeconds: Int64?
        /// The device's first entry (-1: none).
        var firstEntry: EntryIndex

        /// A device entry for `id` with its registry record.
        init(id: String, record: DeviceRecord?, firstEntry: EntryIndex) {
            self.id = id
            self.record = record
            self.reportIntervalSeconds = record?.reportIntervalSeconds
            self.firstEntry = firstEntry
        }
    }

    /// Devices by index.
    private(set) var devices: ContiguousArray<Device> = []
    private var freeDevices: [DeviceIndex] = []
    private(set) var entries: ContiguousArray<Entry> = []
    private var freeEntries: [EntryIndex] = []
    /// Entries marked dirty since the last `takeDirty()` (an entry may appear more than once after reuse;
    /// its flag says whether it still is).
    private var dirtyEntries: [EntryIndex] = []

    /// Makes room for `devices` devices, each with one state (no growing and rehashing while they first report).
    mutating func reserveCapacity(devices: Int) {
        indexByID.reserveCapacity(devices)
        self.devices.reserveCapacity(devices)
        entries.reserveCapacity(devices)
    }

    /// Number of devices with an index.
    var deviceCount: Int { indexByID.count }

    /// The index of device `id`, or nil when the table has none.
    @inline(__always)
    func device(_ id: String) -> DeviceIndex? { indexByID[id] }

    /// The index of device `id`, given one (with its registry record, asked for only then) when it has none.
    /// One hash look-up either way.
    mutating func addDevice(_ id: String, record: @autoclosure () -> DeviceRecord?) -> DeviceIndex {
        // A free index (or the next new one) is never a live device's: getting it back means the id was new.
        let candidate = freeDevices.last ?? DeviceIndex(devices.count)
        let index = Self.claim(&indexByID[id, default: -1], for: candidate)
        guard index == candidate else { return index }
        let device = Device(id: id, record: record(), firstEntry: -1)
        if Int(index) < devices.count {
            freeDevices.removeLast()
            devices[Int(index)] = device
        } else {
            devices.append(device)
        }
        return index
    }

    /// The index in `slot`, set to `candidate` when the slot is new (-1).
    @inline(__always)
    private static func claim(_ slot: inout DeviceIndex, for candidate: DeviceIndex) -> DeviceIndex {
        if slot < 0 { slot = candidate }
        return slot
    }

    /// Forgets device `device` and releases its entries; returns the rules (positions) it had state under.
    mutating func removeDevice(_ device: DeviceIndex) -> [Int] {
        var rules: [Int] = []
        while devices[Int(device)].firstEntry >= 0 {
            let entry = devices[Int(device)].firstEntry
            rules.append(Int(entries[Int(entry)].rule))
            release(entry)
        }
        indexByID[devices[Int(device)].id] = nil
        devices[Int(device)] = Device(id: "", record: nil, firstEntry: -1)
        freeDevices.append(device)
        return rules
    }

    /// Re-reads every device's registry record (after a registry reload).
    mutating func refreshRecords(_ registry: DeviceRegistry) {
        for index in devices.indices where !devices[index].id.isEmpty { devices[index].record = registry[devices[index].id] }
    }

    /// The entry of `rule` for `device`, or nil.
    @inline(__always)
    func entry(rule: Int, device: DeviceIndex) -> EntryIndex? {
        var entry = devices[Int(device)].firstEntry
        while entry >= 0 {
            if entries[Int(entry)].rule == Int32(rule) { return entry }
            entry = entries[Int(entry)].next
        }
        return nil
    }

    /// The entry of `rule` for `device`, created with an empty state when there is none.
    mutating func entryCreating(rule: Int, device: DeviceIndex) -> EntryIndex {
        if let existing = entry(rule: rule, device: device) { return existing }
        let fresh = Entry(state: RuleKeyState(), device: device, rule: Int32(rule), next: devices[Int(device)].firstEntry,
                          isDirty: false, isLive: true)
        let index: EntryIndex
        if let free = freeEntries.popLast() {
            index = free
            entries[Int(index)] = fresh
        } else {
            index = EntryIndex(entries.count)
            entries.append(fresh)
        }
        devices[Int(device)].firstEntry = index
        return index
    }

    /// The state of `rule` for `device`, or nil when there is none.
    func state(rule: Int, device: DeviceIndex) -> RuleKeyState? {
        entry(rule: rule, device: device).map { entries[Int($0)].state }
    }

    /// The state in `entry`, to read or change in place.
    @inline(__always)
    subscript(entry: EntryIndex) -> RuleKeyState {
        get { entries[Int(entry)].state }
        _modify { yield &entries[Int(entry)].state }
    }

    /// Marks `entry` for the next `takeDirty()`.
    @inline(__always)
    mutating func markDirty(_ entry: EntryIndex) {
        guard !entries[Int(entry)].isDirty else { return }
        entries[Int(entry)].isDirty = true
        dirtyEntries.append(entry)
    }

    /// Whether any entry is marked.
    var hasDirty: Bool { !dirtyEntries.isEmpty }

    /// Number of marks (an upper bound of the dirty entries).
    var dirtyCount: Int { dirtyEntries.count }

    /// Calls `body` once for each entry marked since the last call (rule position, device id, state), clears
    /// the marks, and releases the entries whose state is empty (their deletion is what `body` reports).
    mutating func takeDirty(_ body: (_ rule: Int, _ deviceID: String, _ state: RuleKeyState) -> Void) {
        let taken = dirtyEntries
        dirtyEntries.removeAll(keepingCapacity: true)
        for entry in taken where entries[Int(entry)].isDirty {
            entries[Int(entry)].isDirty = false
            body(Int(entries[Int(entry)].rule), devices[Int(entries[Int(entry)].device)].id, entries[Int(entry)].state)
            if entries[Int(entry)].state.isEmpty { release(entry) }
        }
    }

    /// Unlinks `entry` from its device and puts it on the free list (a mark it had is dropped).
    mutating func release(_ entry: EntryIndex) {
        let device = Int(entries[Int(entry)].device)
        if devices[device].firstEntry == entry {
            devices[device].firstEntry = entries[Int(entry)].next
        } else {
            var previous = devices[device].firstEntry
            while previous >= 0, entries[Int(previous)].next != entry { previous = entries[Int(previous)].next }
            if previous >= 0 { entries[Int(previous)].next = entries[Int(entry)].next }
        }
        entries[Int(entry)] = Entry(state: RuleKeyState(), device: -1, rule: -1, next: -1, isDirty: false, isLive: false)
        freeEntries.append(entry)
    }

    /// Every entry in use (a snapshot: changing states while walking it is safe, releasing entries is not).
    var liveEntries: [EntryIndex] {
        entries.indices.filter { entries[$0].isLive }.map { EntryIndex($0) }
    }

    /// The rule position of `entry`.
    func rule(of entry: EntryIndex) -> Int { Int(entries[Int(entry)].rule) }

    /// The device of `entry`.
    func device(of entry: EntryIndex) -> DeviceIndex { entries[Int(entry)].device }

    /// Moves every live entry to the rule position `newRule` gives for its rule; entries whose rule has none
    /// are released. Returns the released entries' (old rule position, device id).
    mutating func remapRules(_ newRule: (Int) -> Int?) -> [(rule: Int, deviceID: String)] {
        var dropped: [(rule: Int, deviceID: String)] = []
        for entry in entries.indices where entries[entry].isLive {
            let old = Int(entries[entry].rule)
            if let new = newRule(old) {
                entries[entry].rule = Int32(new)
            } else {
                dropped.append((old, devices[Int(entries[entry].device)].id))
                release(EntryIndex(entry))
            }
        }
        return dropped
    }
}
