import Foundation

/// Device times (`ts`) for payloads sent to a real `lookoutd`, which rejects a `ts` more than
/// `[device_time] max_age` (7 days) old or `max_future` (5 minutes) ahead of its clock.
public enum TestDeviceTime {
    /// Six hours before this test process started: room for hours of increasing offsets that stay in the past.
    public static let base: Int64 = Int64(Date().timeIntervalSince1970 * 1000) - 6 * 3_600_000

    /// `base` plus `offsetMillis`.
    public static func ts(_ offsetMillis: Int64) -> Int64 { base + offsetMillis }
}
