import Foundation
@testable import Rules
import Testing

/// The registry's whitespace trim keeps Foundation's `CharacterSet.whitespaces` semantics (it replaced it for speed).
@Suite struct RegistryTrimTests {
    @Test(arguments: [
        "", " ", "\t", "  \t ", "SD-0001", " SD-0001", "SD-0001\t", "  a b  ", "\u{00A0}x\u{3000}", "\u{2003}",
        "x\n", "\ny", "王秀英 ", " 1号楼2单元 ", "\u{200B}z", "e\u{301} ", "\t\u{202F}mid dle\u{205F}\t", "\u{180E}a", "\u{FEFF}b", "\u{0085}c", "\u{000B}d", "\u{000C}e", "\u{200A}f\u{2028}",
    ])
    func matchesFoundation(_ text: String) {
        #expect(text.trimmingHorizontalWhitespace() == text.trimmingCharacters(in: .whitespaces))
    }

    /// The CSV reader trims the bytes of a field; it must cut exactly what `trimmingHorizontalWhitespace` cuts,
    /// in quoted fields (with and without doubled quotes) and unquoted ones.
    @Test(arguments: [
        "", " ", "\t", "  \t ", "SD-0001", " SD-0001", "SD-0001\t", "  a b  ", "\u{00A0}x\u{3000}", "\u{2003}",
        "x\n", "\ny", "王秀英 ", " 1号楼2单元 ", "\u{200B}z", "e\u{301} ", "\t\u{202F}mid dle\u{205F}\t", "\u{180E}a",
        "\u{FEFF}b", "\u{0085}c", "\u{000B}d", "\u{000C}e", "\u{200A}f\u{2028}", " \"东\"侧 ", "\u{3000}\"\u{3000}",
        "\u{1680}𝄞\u{1680}", "\u{2000}\u{00A0}", "é\u{00A0}", "\u{00A0}\u{00A0}ü",
    ])
    func csvFieldsAreTrimmedLikeText(_ text: String) throws {
        let quoted = "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        let registry = try DeviceRegistry(csv: "id,kind,address\nSD-1,\(quoted),x\n")
        #expect(registry["SD-1"]?.kind.utf8.elementsEqual(text.trimmingHorizontalWhitespace().utf8) == true)
        if !text.contains(where: { $0 == "\"" || $0 == "\n" || $0 == "," }) {
            let unquoted = try DeviceRegistry(csv: "id,kind,address\nSD-1,\(text),x\n")
            #expect(unquoted["SD-1"]?.kind.utf8.elementsEqual(text.trimmingHorizontalWhitespace().utf8) == true)
        }
    }

    @Test func registryFieldsAreTrimmed() throws {
        let registry = try DeviceRegistry(csv: "id , kind,community\n SD-0001 ,\tsmoke\u{3000},c01\n")
        #expect(registry["SD-0001"]?.kind == "smoke")
    }
}
