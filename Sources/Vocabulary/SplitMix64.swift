/// A small seeded generator (SplitMix64): the simulator, the benchmarks and randomised tests replay exactly from a
/// seed. One generator for all of them, so that a seed means the same stream everywhere.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator starting from `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform number in `0 ..< bound`; 0 when `bound` is not positive.
    public mutating func below<Number: FixedWidthInteger>(_ bound: Number) -> Number {
        bound > 0 ? Number.random(in: 0..<bound, using: &self) : 0
    }

    /// True with probability `probability`.
    public mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &self) < probability }

    /// One element of a non-empty array.
    public mutating func pick<Element>(_ items: [Element]) -> Element { items[below(items.count)] }
}
