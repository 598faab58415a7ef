/// A small seeded PRNG (SplitMix64): the simulator and benchmarks replay exactly from a seed.
public struct SimulationRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator from a seed.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `range`.
    public mutating func int(in range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }

    /// A uniform Double in `range`, rounded to `decimals` places (as a device would report it).
    public mutating func decimal(in range: ClosedRange<Double>, decimals: Int) -> Double {
        let scale = [1.0, 10, 100, 1000][min(max(decimals, 0), 3)]
        return (Double.random(in: range, using: &self) * scale).rounded() / scale
    }

    /// True with probability `probability`.
    public mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &self) < probability }

    /// One element of a non-empty array.
    public mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &self)] }

    /// An index chosen with the given relative weights (all ≥ 0, at least one > 0).
    public mutating func weightedIndex(_ weights: [Double]) -> Int {
        var target = Double.random(in: 0..<weights.reduce(0, +), using: &self)
        for (index, weight) in weights.enumerated() {
            if target < weight { return index }
            target -= weight
        }
        return weights.count - 1
    }
}
