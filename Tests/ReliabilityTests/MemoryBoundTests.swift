import EventCore
import Foundation
import LookoutTestSupport
import Testing

extension ReliabilityTests {
    /// Promise 6: hostile traffic from hundreds of thousands of unknown device ids does not grow memory
    /// without limit: the tracked-device cap holds, the rest is counted.
    @Suite struct MemoryBoundTests {
        static let unknownDevices = 200_000
        static let cap = 1_000

        @Test func messagesFromTwoHundredThousandUnknownDevicesStayWithinTheCap() throws {
            let broker = try MosquittoBroker()
            // The shipped rules (their silence and battery rules keep per-device state), no registry: every
            // device is unknown.
            let daemon = try LookoutdProcess(broker: broker, rules: .shipped,
                                             settings: ["limits": ["max_unknown_devices": String(Self.cap)]])
            try daemon.start()
            let publisher = try TestPublisher(broker: broker)
            var peakKilobytes = 0
            for device in 0..<Self.unknownDevices {
                let payload = #"{"ts":\#(TestDeviceTime.ts(Int64(device))),"battery_pct":87,"concentration_pct":0,"temperature_c":24}"#
                try publisher.publish("c01/smoke/U-\(device)/telemetry", payload)
                if device % 20_000 == 0 { peakKilobytes = max(peakKilobytes, daemon.memoryKilobytes("VmHWM") ?? 0) }
            }
            try publisher.flush()
            let processed = try waitFor("\(Self.unknownDevices) messages processed", timeout: 300, log: daemon.log) {
                let row = try daemon.statusRow()
                return (Int(row["messages_processed"] ?? "") ?? 0) >= Self.unknownDevices ? row : nil
            }
            #expect(processed["messages_processed"] == String(Self.unknownDevices))
            #expect(daemon.isRunning)
            peakKilobytes = max(peakKilobytes, daemon.memoryKilobytes("VmHWM") ?? 0)

            let overCap = try waitFor("the over-cap counter in the metrics", log: daemon.log) {
                daemon.metric("lookout_unknown_devices_over_cap_total").flatMap { $0 >= Double(Self.unknownDevices - Self.cap) ? $0 : nil }
            }
            #expect(overCap == Double(Self.unknownDevices - Self.cap))
            let tracked = try daemon.store().devices().filter { !$0.registered }
            #expect(tracked.count <= Self.cap)
            #expect(peakKilobytes > 0)
            #expect(peakKilobytes < Self.memoryBoundKilobytes, "peak RSS \(peakKilobytes) kB")
            #expect(daemon.stop() == 0)
        }

        /// Issue 14 item 8, a measurement rather than a check (it takes minutes): door-forced alarms from 500,000
        /// forged ids with a registry in force and default limits; prints resident memory after 50,000 and after
        /// 500,000 processed, and checks that they made one folded event. Run it with
        /// `LOOKOUT_SPOOF_RSS=1 swift test --skip-build --filter spoofedAlarmsKeepMemoryBounded`
        /// (`LOOKOUT_SPOOF_RSS=2s` sets `[storage] dedup_window` to 2s, to tell the de-duplication memory apart).
        @Test(.enabled(if: ProcessInfo.processInfo.environment["LOOKOUT_SPOOF_RSS"] != nil))
        func spoofedAlarmsKeepMemoryBounded() throws {
            let broker = try MosquittoBroker()
            let registry = """
                id,kind,community,building,unit,address,grid,owner,report_interval_s,resident_name,resident_phone,lives_alone,emergency_contact
                D-0001,door,c01,1,1,1号楼1单元 门禁,grid-01,property,86400,,,,
                """
            let window = ProcessInfo.processInfo.environment["LOOKOUT_SPOOF_RSS"].flatMap { $0.hasSuffix("s") ? $0 : nil }
            let daemon = try LookoutdProcess(broker: broker, rules: .shipped, registry: registry,
                                             settings: window.map { ["storage": ["dedup_window": $0]] } ?? [:])
            try daemon.start()
            let publisher = try TestPublisher(broker: broker)
            var figures: [String] = ["start: VmRSS \(daemon.memoryKilobytes("VmRSS") ?? 0) kB"]
            var sent = 0
            for checkpoint in [50_000, 500_000] {
                while sent < checkpoint {
                    try publisher.publish("c01/door/X-\(sent)/event", Alarm.payload(sequence: sent))
                    sent += 1
                }
                try publisher.flush()
                _ = try waitFor("\(checkpoint) messages processed", timeout: 1_800, log: daemon.log) {
                    (Int(try daemon.statusRow()["messages_processed"] ?? "") ?? 0) >= checkpoint ? true : nil
                }
                figures.append("after \(checkpoint): VmRSS \(daemon.memoryKilobytes("VmRSS") ?? 0) kB, VmHWM \(daemon.memoryKilobytes("VmHWM") ?? 0) kB, "
                               + "events \(try daemon.events().count)")
            }
            print("spoofed alarms, resident memory of lookoutd:\n" + figures.joined(separator: "\n"))
            let folded = try daemon.events().filter { $0.rule == "unregistered_devices" }
            #expect(folded.count == 1)
            #expect(folded.first?.count == 500_000)
            #expect(daemon.stop() == 0)
        }

        /// A generous bound on the daemon's peak resident memory (`VmHWM`), a backstop against gross leaks such
        /// as keeping every message. Measured on x86_64: about 44 MB with the cap of 1,000; about 68 MB when the
        /// cap is lifted (200,000 devices tracked), which the exact cap and over-cap checks above catch.
        static let memoryBoundKilobytes = 192 * 1024
    }
}
