import Vocabulary

/// The simulator's seeded generator: Vocabulary's one SplitMix64, with the draws device traffic needs.
public typealias SimulationRandom = SplitMix64

extension SplitMix64 {
    /// A uniform integer in `range`.
    public mutating func int(in range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }

    /// A uniform Double in `range`, rounded to `decimals` places (as a device would report it).
    public mutating func decimal(in range: ClosedRange<Double>, decimals: Int) -> Double {
        let scale = [1.0, 10, 100, 1000][min(max(decimals, 0), 3)]
        return (Double.random(in: range, using: &self) * scale).rounded() / scale
    }

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
