#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small text edits that lived in `Foundation` proper (`trimmingCharacters(in:)`, `replacingOccurrences`,
/// `padding(toLength:)`, `String(format:)`), written once here so that no module links all of Foundation for
/// them (see docs/packaging.md, "Sizes"). Each gives the same result as the Foundation call it replaces.
extension StringProtocol {
    /// `trimmingCharacters(in: .whitespaces)`: space separators (Unicode Zs) and tab, at both ends.
    public func trimmingWhitespace() -> String { trimmingScalars(where: TextEditing.isWhitespace) }

    /// `trimmingCharacters(in: .newlines)`.
    public func trimmingNewlines() -> String { trimmingScalars(where: TextEditing.isNewline) }

    /// `trimmingCharacters(in: .whitespacesAndNewlines)`.
    public func trimmingWhitespaceAndNewlines() -> String {
        trimmingScalars { TextEditing.isWhitespace($0) || TextEditing.isNewline($0) }
    }

    /// Removes the scalars matching `trimmed` from both ends.
    public func trimmingScalars(where trimmed: (Unicode.Scalar) -> Bool) -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !trimmed($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !trimmed($0) })!
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars[first...last])
        return String(result)
    }

    /// `replacingOccurrences(of:with:)` for a one-character target: every `target` character replaced by
    /// `replacement` (compared by `Character`, as Foundation does: `=` followed by a combining mark is not `=`).
    public func replacingEvery(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }

    /// `padding(toLength:withPad:startingAt: 0)` with a one-character pad: cut to `length` characters, or
    /// filled up with `pad`.
    public func padded(toLength length: Int, with pad: Character) -> String {
        let count = self.count
        if count >= length { return String(prefix(length)) }
        return String(self) + String(repeating: pad, count: length - count)
    }
}

public enum TextEditing {
    /// `CharacterSet.whitespaces`: Unicode general category Zs and tab.
    public static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\t" || scalar.properties.generalCategory == .spaceSeparator
    }

    /// `CharacterSet.newlines`: U+000A–U+000D, U+0085, U+2028, U+2029.
    public static func isNewline(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A...0x0D, 0x85, 0x2028, 0x2029: return true
        default: return false
        }
    }

    /// `String(format:)` for C formats (`%d`, `%.1f`, `%02d`, `%s` with a C string, ...), by `vsnprintf`: the same
    /// text Foundation printed for them. No `%@`.
    public static func format(_ format: String, _ arguments: CVarArg...) -> String {
        withVaList(arguments) { list in
            var buffer = [CChar](repeating: 0, count: 128)
            let needed = Int(vsnprintf(&buffer, buffer.count, format, list))
            if needed < buffer.count { return String(decoding: buffer.prefix(max(0, needed)).map { UInt8(bitPattern: $0) }, as: UTF8.self) }
            return withVaList(arguments) { again in
                var large = [CChar](repeating: 0, count: needed + 1)
                _ = vsnprintf(&large, large.count, format, again)
                return String(decoding: large.prefix(needed).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
    }
}

/// File path text, as `NSString`'s path methods did it (`/` separated, no file system access).
public enum PathText {
    /// `isAbsolutePath`: starts with `/` or `~`.
    public static func isAbsolute(_ path: String) -> Bool { path.hasPrefix("/") || path.hasPrefix("~") }

    /// `appendingPathComponent`: `base/component` (one `/` added unless `base` ends with one; nothing else changed).
    public static func join(_ base: String, _ component: String) -> String {
        if component.isEmpty { return base }
        if base.isEmpty { return component }
        return base.hasSuffix("/") ? base + component : base + "/" + component
    }

    /// `deletingLastPathComponent`: the directory part (`""` for a bare name, `/` for a top-level entry).
    public static func directory(of path: String) -> String {
        let fixed = fixingSlashes(path)
        if fixed == "/" || fixed.isEmpty { return fixed }
        guard let slash = fixed.lastIndex(of: "/") else { return "" }
        if slash == fixed.startIndex { return "/" }
        return String(fixed[..<slash])
    }

    /// `lastPathComponent`.
    public static func lastComponent(of path: String) -> String {
        let fixed = fixingSlashes(path)
        if fixed == "/" { return "/" }
        guard let slash = fixed.lastIndex(of: "/") else { return fixed }
        return String(fixed[fixed.index(after: slash)...])
    }

    /// Repeated slashes folded into one, a trailing slash dropped (except the root).
    static func fixingSlashes(_ path: String) -> String {
        var result = ""
        var previousSlash = false
        for character in path {
            if character == "/" {
                if previousSlash { continue }
                previousSlash = true
            } else {
                previousSlash = false
            }
            result.append(character)
        }
        if result.count > 1, result.hasSuffix("/") { result.removeLast() }
        return result
    }
}
