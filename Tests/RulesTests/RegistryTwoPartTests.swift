import Foundation
@testable import Rules
import Testing

/// A large registry file is read in two parts on two threads; the result and the problems reported must be
/// those of reading it in one pass.
@Suite struct RegistryTwoPartTests {
    /// A registry of `count` devices larger than `DeviceRegistry.twoPartMinimumBytes`, with quoted fields that
    /// hold commas, doubled quotes and line breaks throughout; its records, and the line each row starts on.
    static func largeRegistry(count: Int) -> (csv: String, records: [DeviceRecord], lines: [Int]) {
        var csv = "id,kind,community,building,address,report_interval_s,lives_alone,emergency_contact,floor\n"
        var records: [DeviceRecord] = []
        var lines: [Int] = []
        var line = 2
        for index in 0..<count {
            let id = "SD-\(index)"
            let multiLine = index % 3 == 0
            let contact = multiLine ? "王强\n139\(index)" : "李\"四\", 138\(index)"
            let address = "幸福里社区\(index % 40)号楼, \(index % 7)单元 \"东\"侧"
            let interval: Int64? = index % 5 == 0 ? nil : 3_600
            records.append(DeviceRecord(id: id, kind: index % 2 == 0 ? "smoke" : "sos", community: "c0\(index % 4)",
                                        building: "\(index % 40)", address: address, reportIntervalSeconds: interval,
                                        livesAlone: index % 2 == 0 ? nil : true, emergencyContact: contact,
                                        extra: ["floor": "\(index % 30)"]))
            func quoted(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
            csv += "\(id) ,\(index % 2 == 0 ? "smoke" : "sos"),c0\(index % 4),\(index % 40),\(quoted(address)),"
                + "\(interval.map(String.init) ?? ""),\(index % 2 == 0 ? "" : "是"),\(quoted(contact)),\(index % 30)\n"
            lines.append(line)
            line += multiLine ? 2 : 1
        }
        return (csv, records, lines)
    }

    @Test func largeFileReadsAsOnePassWould() throws {
        let (csv, records, _) = Self.largeRegistry(count: 20_000)
        #expect(csv.utf8.count > DeviceRegistry.twoPartMinimumBytes)
        let registry = try DeviceRegistry(csv: csv)
        #expect(registry.devices == DeviceRegistry(records).devices)
        #expect(registry.extraColumns == ["floor"])
    }

    @Test func problemsInEitherPartAreReportedWithTheirLines() throws {
        var (csv, _, lines) = Self.largeRegistry(count: 20_000)
        // A repeated id and a bad interval in the second half, a bad lives_alone in the first.
        csv += "SD-17,smoke,c01,1,x,60,,,1\n"
        csv = csv.replacingOccurrences(of: "SD-15001 ,sos,c01,1,", with: "SD-15001 ,sos,c01,1,\"a\"x")
        csv = csv.replacingOccurrences(of: ",3600,是,\"李\"\"四\"\", 138101\"", with: ",3600,perhaps,\"李\"\"四\"\", 138101\"")
        #expect {
            _ = try DeviceRegistry(csv: csv, fileName: "devices.csv")
        } throws: { error in
            guard let error = error as? DeviceRegistryError else { return false }
            let lastLine = lines[lines.count - 1] + 1
            #expect(error.issues.map(\.line) == [lines[101], lines[15_001], lastLine])
            #expect(error.issues[0].message.contains("lives_alone of 'SD-101'"))
            #expect(error.issues[1].message == "unexpected text after a closing quote")
            #expect(error.issues[2].message == "device 'SD-17' is already listed on line \(lines[17])")
            return true
        }
    }
}
