import Foundation
@testable import Rules
import Testing

@Suite struct DeviceRegistryCSVTests {
    @Test func quotedFieldsChineseTextAndExtraColumns() throws {
        let csv = "\u{FEFF}id,kind,community,building,address,lives_alone,report_interval_s,resident_name,emergency_contact,floor\r\n"
            + "SOS-0001,sos,c01,3,\"幸福里社区3号楼, 2单元 \"\"东\"\"侧\",是,86400,王秀英,\"王强\n13900000001\",5\r\n"
            + "\r\n"
            + "SD-0101 , smoke ,c01,1,1号楼101室,,,,,\n"
        let registry = try DeviceRegistry(csv: csv, fileName: "devices.csv")
        #expect(registry.count == 2)
        let sos = try #require(registry["SOS-0001"])
        #expect(sos.address == "幸福里社区3号楼, 2单元 \"东\"侧")
        #expect(sos.livesAlone == true)
        #expect(sos.reportIntervalSeconds == 86_400)
        #expect(sos.residentName == "王秀英")
        #expect(sos.emergencyContact == "王强\n13900000001")
        #expect(sos.extra == ["floor": "5"])
        let smoke = try #require(registry["SD-0101"])
        #expect(smoke.kind == "smoke")
        #expect(smoke.livesAlone == nil)
        #expect(smoke.reportIntervalSeconds == nil)
    }

    @Test func recordsAreValuesThatShareEqualFields() throws {
        let csv = "id,kind,community,building,address,grid\n"
            + "SD-1,smoke,c01,3,3号楼1单元 101室,grid-01\n"
            + "SD-2,smoke,c01,3,3号楼1单元 101室,grid-01\n"
            + "SD-3,smoke,c02,4,4号楼2单元 202室,grid-02"
        let registry = try DeviceRegistry(csv: csv)
        let first = try #require(registry["SD-1"])
        var copy = first
        copy.grid = "grid-09"
        copy.address += " 东"
        copy.extra["floor"] = "1"
        #expect(first.grid == "grid-01")
        #expect(first.address == "3号楼1单元 101室")
        #expect(first.extra.isEmpty)
        #expect(copy.grid == "grid-09")
        #expect(copy.address == "3号楼1单元 101室 东")
        #expect(copy.extra == ["floor": "1"])
        #expect(copy.id == "SD-1" && copy.kind == "smoke" && copy.building == "3")
        #expect(copy != first)
        copy.grid = "grid-01"
        copy.address = "3号楼1单元 101室"
        copy.extra = [:]
        #expect(copy == first)
        #expect(registry["SD-2"]?.address == first.address)
        #expect(registry["SD-3"] == DeviceRecord(id: "SD-3", kind: "smoke", community: "c02", building: "4",
                                                  address: "4号楼2单元 202室", grid: "grid-02"))
    }

    @Test func badRowsAreReportedWithTheLineTheyStartOn() {
        let csv = """
            id,kind,report_interval_s,lives_alone,address
            A,smoke,60,no,"multi
            line"
            B,smoke,soon,no,x
            C,smoke,60,perhaps,x
            A,smoke,60,no,x
            D,smoke
            ,smoke,60,no,x
            E,smoke,60,no,bad"quote
            F,smoke,60,no,"open
            """
        #expect {
            _ = try DeviceRegistry(csv: csv, fileName: "devices.csv")
        } throws: { error in
            guard let error = error as? DeviceRegistryError else { return false }
            #expect(error.issues.map(\.line) == [4, 5, 6, 7, 8, 9, 10])
            #expect(error.issues[0].description.hasPrefix("devices.csv:4: error: report_interval_s of 'B'"))
            #expect(error.issues[1].message.contains("lives_alone of 'C'"))
            #expect(error.issues[2].message == "device 'A' is already listed on line 2")
            #expect(error.issues[3].message == "row has 2 fields but the header has 5")
            #expect(error.issues[4].message == "device id is empty")
            #expect(error.issues[5].message.contains("quote inside an unquoted field"))
            #expect(error.issues[6].message.contains("not closed"))
            return true
        }
    }

    @Test func valuesAreReadAsWrittenInAnyCase() throws {
        let csv = "id,report_interval_s,lives_alone,floor\n"
            + "A,+60,Yes,1\nB,0060,TRUE,1\nC,1,是,2\nD,9223372036854775807,否,2\nE,,N,\nF,7, ,\n"
        let registry = try DeviceRegistry(csv: csv)
        #expect(registry["A"]?.reportIntervalSeconds == 60 && registry["A"]?.livesAlone == true)
        #expect(registry["B"]?.reportIntervalSeconds == 60 && registry["B"]?.livesAlone == true)
        #expect(registry["C"]?.livesAlone == true && registry["C"]?.extra == ["floor": "2"])
        #expect(registry["D"]?.reportIntervalSeconds == Int64.max && registry["D"]?.livesAlone == false)
        #expect(registry["E"]?.reportIntervalSeconds == nil && registry["E"]?.livesAlone == false && registry["E"]?.extra == ["floor": ""])
        #expect(registry["F"]?.livesAlone == nil)
        #expect(registry["A"] == DeviceRecord(id: "A", reportIntervalSeconds: 60, livesAlone: true, extra: ["floor": "1"]))
        for bad in ["-5", "0", "1e3", "9223372036854775808", "+", "6 0", "６０"] {
            #expect(throws: DeviceRegistryError.self, "report_interval_s '\(bad)'") {
                _ = try DeviceRegistry(csv: "id,report_interval_s\nA,\(bad)\n")
            }
        }
    }

    @Test func headerWithoutIDColumnIsRefused() {
        #expect {
            _ = try DeviceRegistry(csv: "kind,address\nsmoke,x\n", fileName: "d.csv")
        } throws: { error in
            "\(error)".hasPrefix("d.csv:1: error: header has no 'id' column")
        }
    }

    @Test func missingFileIsAClearError() {
        #expect {
            _ = try DeviceRegistry.load(csvFile: "/nonexistent/devices.csv")
        } throws: { error in
            "\(error)" == "/nonexistent/devices.csv: error: cannot read registry file"
        }
    }

    @Test func shippedRegistryLoads() throws {
        let registry = try DeviceRegistry.load(csvFile: ShippedRuleTests.packageDirectory.appendingPathComponent("config/devices.csv").path)
        #expect(registry.count > 0)
        for kind in ["smoke", "manhole", "door", "sos"] {
            #expect(registry.devices.values.contains { $0.kind == kind }, "no \(kind) device in config/devices.csv")
        }
    }
}

/// Issue 15 item 1: the structured emergency phone beside the free-text emergency contact.
@Suite struct EmergencyPhoneColumnTests {
    /// Try-out finding: a relative's mistyped phone must not stop lookoutd from starting (nor a reload): the device
    /// is kept without it, with a warning that names the line.
    @Test func emergencyPhoneIsReadAndABadOneIsAWarningThatKeepsTheDevice() throws {
        let csv = "id,kind,emergency_contact,emergency_phone\n"
            + "SOS-1,sos,\"王强 (son) 13900000001\",+86 139-0000-0001\n"
            + "SOS-2,sos,,\"13900000002, (010) 6512 3456\"\n"
            + "SOS-3,sos,,\n"
            + "SOS-4,sos,Wang Qiang,call-me-maybe\n"
        let registry = try DeviceRegistry(csv: csv, fileName: "devices.csv")
        #expect(registry["SOS-1"]?.emergencyPhone == "+86 139-0000-0001")
        #expect(registry["SOS-1"]?.emergencyContact == "王强 (son) 13900000001")
        #expect(registry["SOS-2"]?.emergencyPhone == "13900000002, (010) 6512 3456")
        #expect(registry["SOS-3"]?.emergencyPhone == "")
        #expect(registry["SOS-4"]?.emergencyPhone == "" && registry["SOS-4"]?.emergencyContact == "Wang Qiang")
        #expect(registry.warnings.map(\.warningDescription) == [
            "devices.csv:5: warning: emergency_phone of 'SOS-4' is not a phone number (digits, an optional leading +, spaces, - ( ) and commas between several): 'call-me-maybe'; the device is kept without it, so its emergency contact cannot be told",
        ])
    }

    /// The district issue's coordinates: optional decimal degrees; a bad or out-of-range value is a warning naming
    /// file:line and the device is kept without coordinates (as a bad `emergency_phone` is).
    @Test func coordinatesAreReadAndABadOneIsAWarningThatKeepsTheDevice() throws {
        let csv = "id,kind,latitude,longitude,emergency_phone\n"
            + "SD-1,smoke,31.2304,121.4737,\n"
            + "SD-2,smoke,-33.8688,-151,\n"
            + "SD-3,smoke,,,\n"
            + "SD-4,smoke,91,121.5,\n"
            + "SD-5,smoke,31.2,east,\n"
            + "SD-6,smoke,31.2,,\n"
            + "SD-7,smoke,1e1,121,call-me\n"
            + "SD-8,smoke,+90,-180,\n"
        let registry = try DeviceRegistry(csv: csv, fileName: "devices.csv")
        #expect(registry.count == 8)
        #expect(registry["SD-1"]?.latitude == 31.2304 && registry["SD-1"]?.longitude == 121.4737)
        #expect(registry["SD-2"]?.latitude == -33.8688 && registry["SD-2"]?.longitude == -151)
        #expect(registry["SD-8"]?.latitude == 90 && registry["SD-8"]?.longitude == -180)
        for id in ["SD-3", "SD-4", "SD-5", "SD-6", "SD-7"] {
            #expect(registry[id]?.latitude == nil && registry[id]?.longitude == nil, "\(id)")
        }
        #expect(registry.warnings.map(\.warningDescription) == [
            "devices.csv:5: warning: latitude of 'SD-4' is not a decimal number of degrees from -90 to 90: '91'; the device is kept without coordinates",
            "devices.csv:6: warning: longitude of 'SD-5' is not a decimal number of degrees from -180 to 180: 'east'; the device is kept without coordinates",
            "devices.csv:7: warning: longitude of 'SD-6' is missing while latitude is given; the device is kept without coordinates",
            "devices.csv:8: warning: emergency_phone of 'SD-7' is not a phone number (digits, an optional leading +, spaces, - ( ) and commas between several): 'call-me'; the device is kept without it, so its emergency contact cannot be told",
            "devices.csv:8: warning: latitude of 'SD-7' is not a decimal number of degrees from -90 to 90: '1e1'; the device is kept without coordinates",
        ])
        // Coordinates are values of the record: equal records, equal coordinates.
        var moved = try #require(registry["SD-1"])
        moved.latitude = 31.3
        #expect(moved != registry["SD-1"] && moved.longitude == 121.4737)
    }

    /// A registry without the columns (every file before them) loads as before: no coordinates, no warnings.
    @Test func aRegistryWithoutCoordinateColumnsHasNoCoordinates() throws {
        let registry = try DeviceRegistry(csv: "id,kind,address\nSD-1,smoke,1号楼\n", fileName: "devices.csv")
        #expect(registry["SD-1"]?.latitude == nil && registry["SD-1"]?.longitude == nil)
        #expect(registry["SD-1"]?.extra.isEmpty == true)
        #expect(registry.warnings.isEmpty)
    }

    /// A large registry is read in two parts; a row whose coordinates warn is read again with its line.
    @Test func coordinatesSurviveTheTwoPartReader() throws {
        var csv = "id,kind,latitude,longitude\n"
        let rows = DeviceRegistry.twoPartMinimumBytes / 20 + 1000
        for index in 0..<rows { csv += "SD-\(index),smoke,31.\(index % 10),121.5\n" }
        csv += "SD-X,smoke,31,181\n"
        let registry = try DeviceRegistry(csv: csv, fileName: "devices.csv")
        #expect(registry.count == rows + 1)
        #expect(registry["SD-\(rows - 1)"]?.latitude == Double("31.\((rows - 1) % 10)") && registry["SD-0"]?.longitude == 121.5)
        #expect(registry["SD-X"]?.longitude == nil)
        #expect(registry.warnings.map(\.line) == [rows + 2])
    }
}
