/// Reading a TZif file (RFC 8536, what `zic` writes and glibc reads): version 1 with 32-bit transition times, or
/// version 2 and later with 64-bit times and the POSIX TZ footer for instants after the last transition.
extension ZoneInfo {
    /// The zone described by the TZif file `bytes`.
    convenience init(identifier: String, tzif bytes: [UInt8]) throws(LoadError) {
        var reader = TZifReader(bytes: bytes)
        let first = try reader.header()
        let block: TZifReader.Block
        var rule: PosixZoneRule?
        if first.version == 0 {
            block = try reader.block(first, timeSize: 4)
        } else {
            // Version 2+: the 32-bit block is for old readers; a second header and block with 64-bit times follow,
            // then "\n<TZ rule>\n".
            _ = try reader.take(first.dataSize(timeSize: 4))
            let second = try reader.header()
            block = try reader.block(second, timeSize: 8)
            let footer = try reader.footer()
            if !footer.isEmpty {
                guard let parsed = PosixZoneRule(parsing: footer) else { throw .notTZif("bad footer rule '\(footer)'") }
                rule = parsed
            }
        }
        self.init(identifier: identifier, transitions: block.transitions, transitionTypes: block.transitionTypes,
                  types: block.types, rule: rule)
    }
}

/// A cursor over a TZif file's bytes, checking every count against what is there.
struct TZifReader {
    /// The counts of one header.
    struct Header {
        var version: UInt8
        var utIndicators: Int
        var standardIndicators: Int
        var leapSeconds: Int
        var transitions: Int
        var types: Int
        var designationBytes: Int

        /// The size of the data block that follows the header.
        func dataSize(timeSize: Int) -> Int {
            transitions * (timeSize + 1) + types * 6 + designationBytes + leapSeconds * (timeSize + 4)
                + standardIndicators + utIndicators
        }
    }

    /// What one data block says about local time.
    struct Block {
        var transitions: [Int64] = []
        var transitionTypes: [UInt8] = []
        var types: [(offset: Int32, isDST: Bool)] = []
    }

    let bytes: [UInt8]
    var position = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func take(_ count: Int) throws(ZoneInfo.LoadError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - position else { throw .notTZif("truncated") }
        defer { position += count }
        return bytes[position..<position + count]
    }

    mutating func bigEndian(_ size: Int) throws(ZoneInfo.LoadError) -> Int64 {
        let field = try take(size)
        let unsigned = field.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        // Sign-extend from `size` bytes.
        let shift = UInt64(64 - 8 * size)
        return Int64(bitPattern: unsigned << shift) >> Int64(shift)
    }

    mutating func header() throws(ZoneInfo.LoadError) -> Header {
        guard try take(4).elementsEqual("TZif".utf8) else { throw .notTZif("no TZif magic") }
        let version = try take(1).first!
        guard version == 0 || (UInt8(ascii: "2")...UInt8(ascii: "4")).contains(version) else {
            throw .notTZif("unknown TZif version")
        }
        _ = try take(15)
        var counts: [Int] = []
        for _ in 0..<6 { counts.append(Int(try bigEndian(4))) }
        let header = Header(version: version, utIndicators: counts[0], standardIndicators: counts[1],
                            leapSeconds: counts[2], transitions: counts[3], types: counts[4], designationBytes: counts[5])
        guard counts.allSatisfy({ $0 >= 0 }), (1...256).contains(header.types),
              header.utIndicators == 0 || header.utIndicators == header.types,
              header.standardIndicators == 0 || header.standardIndicators == header.types else {
            throw .notTZif("inconsistent counts")
        }
        // Leap-second zones (`right/…`) count TAI-like seconds, which glibc corrects and Lookout does not need.
        guard header.leapSeconds == 0 else { throw .notTZif("leap-second zones are not supported") }
        return header
    }

    /// Transitions, their types and the local time types; designations and indicators are skipped.
    mutating func block(_ header: Header, timeSize: Int) throws(ZoneInfo.LoadError) -> Block {
        var block = Block()
        block.transitions.reserveCapacity(header.transitions)
        for _ in 0..<header.transitions {
            let time = try bigEndian(timeSize)
            if let last = block.transitions.last, time <= last { throw .notTZif("transitions out of order") }
            block.transitions.append(time)
        }
        block.transitionTypes = Array(try take(header.transitions))
        guard block.transitionTypes.allSatisfy({ Int($0) < header.types }) else { throw .notTZif("bad type index") }
        for _ in 0..<header.types {
            let offset = try bigEndian(4)
            let isDST = try take(1).first! != 0
            _ = try take(1)
            // RFC 8536: -89999…93599 seconds, under 26 hours either way.
            guard offset > -26 * 3600, offset < 26 * 3600 else { throw .notTZif("bad UTC offset") }
            block.types.append((Int32(offset), isDST))
        }
        _ = try take(header.designationBytes + header.leapSeconds * (timeSize + 4) + header.standardIndicators
                     + header.utIndicators)
        return block
    }

    /// The text between the two newlines after the version 2+ block.
    mutating func footer() throws(ZoneInfo.LoadError) -> String {
        guard try take(1).first == UInt8(ascii: "\n") else { throw .notTZif("no footer") }
        guard let end = bytes[position...].firstIndex(of: UInt8(ascii: "\n")) else { throw .notTZif("unterminated footer") }
        let text = try take(end - position)
        guard text.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { throw .notTZif("bad footer") }
        return String(decoding: text, as: UTF8.self)
    }
}
