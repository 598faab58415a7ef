import Rules
import Vocabulary

/// Which payload `ts` values are the device's time of a reading (docs/domain.md: `ts` is Unix milliseconds).
///
/// NB-IoT devices buffer readings and send them late, so an old `ts` is normal, within `maxAgeMillis`. A `ts`
/// beyond that, more than `maxFutureMillis` ahead of the daemon's clock, before `earliestMillis`, or not a
/// whole number of milliseconds is implausible: counted and sampled as a reject (`implausible_ts`) and dropped,
/// because a rule that follows the device's own sequence would misread it; the rest of the message is evaluated
/// on the time of arrival (an alarm is never lost to a device's clock).
public struct DeviceTimePolicy: Sendable, Equatable {
    /// No device reports from before 2020-01-01T00:00:00Z: a `ts` earlier than that is a clock that was never
    /// set (`ts` 1, or seconds where milliseconds belong).
    public static let earliestMillis: EpochMillis = 1_577_836_800_000

    /// How far ahead of the daemon's clock a `ts` may be (device clocks drift; `[device_time] max_future`).
    public var maxFutureMillis: EpochMillis = 5 * 60_000
    /// How long before its arrival a reading may have happened (`[device_time] max_age`). Retained messages
    /// are a device's last state, old by nature: this bound does not apply to them.
    public var maxAgeMillis: EpochMillis = 7 * 86_400_000

    /// The reject reason of a message whose `ts` is implausible (`lookout rejects`).
    public static let rejectReason = "implausible_ts"

    /// Creates the defaults (5 minutes ahead, 7 days old).
    public init() {}

    /// What a payload's `ts` says.
    public enum Reading: Equatable {
        /// No `ts`: the device has no clock; the time of receipt stands in.
        case absent
        /// A plausible device time.
        case plausible(EpochMillis)
        /// A `ts` that cannot be the time of this reading, and why (for the reject sample).
        case implausible(String)
    }

    /// Reads `ts` from `payload`, received at `receivedAt` (retained: delivered as the device's last state).
    public func reading(of payload: JSONObject, receivedAt: EpochMillis, retained: Bool) -> Reading {
        guard let value = payload["ts"] else { return .absent }
        guard let millis = Self.timestamp(of: value) else {
            return .implausible("ts = \(value): not a whole number of milliseconds")
        }
        if millis < Self.earliestMillis { return .implausible("ts = \(millis): before 2020 (clock not set, or seconds)") }
        if millis > receivedAt &+ maxFutureMillis {
            return .implausible("ts = \(millis): \((millis - receivedAt) / 1000)s ahead of lookoutd's clock")
        }
        if !retained, millis < receivedAt &- maxAgeMillis {
            return .implausible("ts = \(millis): \((receivedAt - millis) / 1000)s before it arrived")
        }
        return .plausible(millis)
    }

    /// The payload's `ts` as whole milliseconds since the epoch; nil when it is missing, not a number, not whole
    /// or out of range.
    public static func timestamp(of payload: JSONObject) -> EpochMillis? {
        payload["ts"].flatMap(timestamp(of:))
    }

    /// A `ts` value as whole milliseconds since the epoch; nil when it is not a number, not whole or out of range.
    static func timestamp(of value: JSONValue) -> EpochMillis? {
        guard case .number(let number) = value, number.rounded(.towardZero) == number,
              abs(number) < 9.0e15 else { return nil }
        return EpochMillis(number)
    }
}
