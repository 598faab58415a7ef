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

    @Test func registryFieldsAreTrimmed() throws {
        let registry = try DeviceRegistry(csv: "id , kind,community\n SD-0001 ,\tsmoke\u{3000},c01\n")
        #expect(registry["SD-0001"]?.kind == "smoke")
    }
}
