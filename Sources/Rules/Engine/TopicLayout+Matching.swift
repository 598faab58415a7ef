extension TopicLayout {
    /// Named segments of `topic` as a dictionary, or nil when the topic does not fit the layout.
    public func match(_ topic: String) -> [String: String]? {
        matchSegments(topic)?.dictionary
    }

    /// Named segments of `topic` in layout order, or nil when the topic does not fit the layout: the
    /// right number of levels, literal levels equal, named levels not empty.
    ///
    /// ASCII topics (all that devices send) are split on their bytes; a topic with any other character,
    /// or one that differs from a non-ASCII literal level, takes the `Character` path, whose equality is
    /// Unicode canonical equivalence: the result is the same either way.
    public func matchSegments(_ topic: String) -> TopicSegments? {
        var utf8 = topic
        let fast = utf8.withUTF8 { matchASCII($0) }
        switch fast {
        case .matched(let values): return TopicSegments(names: segmentNames, values: values)
        case .mismatch: return nil
        case .notASCII: return matchCharacters(topic)
        }
    }

    /// Result of the byte matcher.
    private enum ASCIIMatch {
        case matched([String])
        case mismatch
        /// The topic has a non-ASCII byte: decide with `matchCharacters`.
        case notASCII
    }

    /// Splits an ASCII topic at `/` bytes and compares literal levels byte by byte.
    private func matchASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> ASCIIMatch {
        var values: [String] = []
        values.reserveCapacity(segmentNames.count)
        var level = 0
        var start = 0
        var index = 0
        var mismatched = false
        while index <= bytes.count {
            let byte: UInt8 = index < bytes.count ? bytes[index] : 0x2F
            if byte >= 0x80 { return .notASCII }
            if byte == 0x2F {  // `/`, or the end of the topic
                if level < segments.count, !mismatched {
                    let part = UnsafeBufferPointer(rebasing: bytes[start..<index])
                    switch segments[level] {
                    case .literal(let literal):
                        if !literal.utf8.elementsEqual(part) {
                            // A non-ASCII literal may still be canonically equivalent (K and the Kelvin sign).
                            if literal.utf8.contains(where: { $0 >= 0x80 }) { return .notASCII }
                            mismatched = true
                        }
                    case .named:
                        if part.isEmpty { mismatched = true } else { values.append(String(decoding: part, as: UTF8.self)) }
                    }
                }
                level += 1
                start = index + 1
            }
            index += 1
        }
        return mismatched || level != segments.count ? .mismatch : .matched(values)
    }

    /// The general matcher: levels split and compared as `Character`s.
    private func matchCharacters(_ topic: String) -> TopicSegments? {
        let levels = topic.split(separator: "/", omittingEmptySubsequences: false)
        guard levels.count == segments.count else { return nil }
        var values: [String] = []
        values.reserveCapacity(segmentNames.count)
        for (level, segment) in zip(levels, segments) {
            switch segment {
            case .literal(let literal): if level != literal { return nil }
            case .named:
                if level.isEmpty { return nil }
                values.append(String(level))
            }
        }
        return TopicSegments(names: segmentNames, values: values)
    }
}
