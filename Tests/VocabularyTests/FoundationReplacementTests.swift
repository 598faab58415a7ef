import Foundation
import Testing
import Vocabulary

/// The helpers that replace `Foundation` proper give what the Foundation calls gave (the test may link
/// Foundation; the modules do not).
@Suite struct FoundationReplacementTests {
    static let texts = ["", " ", "\t a b \t", "\u{3000}x\u{00A0}", " \n x \r\n", "\n", "abc", " é\u{301} ", "a\u{2028}"]

    @Test func trimsAsFoundationDid() {
        for text in Self.texts {
            #expect(text.trimmingWhitespace() == text.trimmingCharacters(in: .whitespaces))
            #expect(text.trimmingNewlines() == text.trimmingCharacters(in: .newlines))
            #expect(text.trimmingWhitespaceAndNewlines() == text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    @Test func replacesAsFoundationDid() {
        for text in ["a=b,c=d", "\"q\"", "\t\tx", "", "e\u{301}=", "=\u{301}"] {
            #expect(text.replacingEvery("=", with: " ") == text.replacingOccurrences(of: "=", with: " "))
            #expect(text.replacingEvery("\"", with: "\\\"") == text.replacingOccurrences(of: "\"", with: "\\\""))
            #expect(text.replacingEvery("\t", with: " ") == text.replacingOccurrences(of: "\t", with: " "))
        }
    }

    @Test func padsAsFoundationDid() {
        for text in ["", "7", "12", "123", "123456789"] {
            #expect(text.padded(toLength: 3, with: "0") == text.padding(toLength: 3, withPad: "0", startingAt: 0))
        }
    }

    @Test func formatsAsFoundationDid() {
        for value in [0.0, 0.05, 0.15, 1.25, 12.345, 99.95, 1e9] {
            #expect(TextEditing.format("%.1f", value) == String(format: "%.1f", value))
        }
        #expect(TextEditing.format("%04d-%02d", 7, 3) == "0007-03")
    }

    @Test func pathsAsNSStringDid() {
        for path in ["", "/", "/a", "/a/b", "a/b/", "/a//b///", "rules/x.rules"] {
            // ("a" is left out: NSString.deletingLastPathComponent traps on it in swift-corelibs-foundation 6.3.1.)
            #expect(PathText.directory(of: path) == (path as NSString).deletingLastPathComponent, "\(path)")
            #expect(PathText.lastComponent(of: path) == (path as NSString).lastPathComponent, "\(path)")
            #expect(PathText.isAbsolute(path) == (path as NSString).isAbsolutePath)
            for component in ["c", "c.rules", "", "/c", "c/"] {
                #expect(PathText.join(path, component) == (path as NSString).appendingPathComponent(component), "\(path) + \(component)")
            }
        }
    }

    /// `standardized` resolves links of an absolute path's existing parts and takes `..` back after them, as
    /// `NSString.standardizingPath` did (the daemon's configured paths go through it).
    @Test func standardizesAsNSStringDid() throws {
        let base = FileManager.default.temporaryDirectory.path + "/standardize-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: base + "/real/sub", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createSymbolicLink(atPath: base + "/link", withDestinationPath: "real")
        try FileManager.default.createSymbolicLink(atPath: base + "/absolute", withDestinationPath: base + "/./real")
        try FileManager.default.createSymbolicLink(atPath: base + "/chain", withDestinationPath: "link/sub/..")
        let paths = ["/", "//x", "/a/b/../../..", "/a/./b//c/", base + "/absolute", base + "/absolute/sub/../f.db",
                     base + "/real/sub/../f", base + "/missing/../x", "../a/./b", "a/../../b", ".", "./data/x.db",
                     "rules//x.rules", "~", "~/lookout.conf"]
        for path in paths {
            #expect(PathText.standardized(path) == (path as NSString).standardizingPath, "\(path)")
        }
        // A link to a relative target is resolved against the link's directory, as the kernel does. (Foundation
        // resolved it only when the target also existed relative to the working directory.)
        for (path, resolved) in [("/link", "/real"), ("/link/", "/real"), ("/link/x/../y", "/real/y"), ("/chain/f", "/real/f")] {
            #expect(PathText.standardized(base + path) == PathText.standardized(base) + resolved, "\(path)")
        }
    }

    @Test func civilTimeAsDateFormatterDid() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"
        for millis: EpochMillis in [0, 999, 1_795_000_123_456, -1, -1001] {
            #expect(CivilTime.format(millis, "%Y-%m-%dT%H:%M:%SZ", utc: true)
                    == formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000)), "\(millis)")
        }
        #expect(CivilTime.epochMillis(year: 2026, month: 11, day: 23, hour: 8, utc: true) == 1_795_420_800_000)
        #expect(CivilTime.epochMillis(year: 2026, month: 2, day: 30, utc: true) == nil)
        #expect(CivilTime.epochMillis(year: 2026, month: 13, day: 1, utc: true) == nil)
    }
}
