@testable import Daemon
import LookoutTestSupport
import Testing

/// `FingerprintSet` against the standard library's `Set<UInt64>` as the model.
@Suite struct FingerprintSetTests {
    @Test(arguments: [1 as UInt64, 2, 3])
    func agreesWithSetUnderRandomInsertsAndLookups(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var model = Set<UInt64>()
        var set = FingerprintSet()
        // A small value range makes repeats and collisions common; 0 (the empty-bucket mark) is among them.
        for step in 0..<20_000 {
            let value: UInt64 = step % 3 == 0 ? random.next() : random.below(5_000)
            let inserted = set.insert(value)
            #expect(inserted == model.insert(value).inserted)
            let probe: UInt64 = random.below(6_000)
            #expect(set.contains(probe) == model.contains(probe))
        }
        #expect(set.count == model.count)
        for value in model { #expect(set.contains(value)) }
    }

    @Test func zeroAndValuesOfTheSameBucketAreKeptApart() {
        // Multiples of 2^60 all land in bucket 0 of a 16-bucket table (the top bits of the product).
        var set = FingerprintSet()
        let colliding = (0..<6).map { UInt64($0) << 60 }
        let first = colliding.map { set.insert($0) }
        let again = colliding.map { set.insert($0) }
        #expect(first.allSatisfy { $0 } && again.allSatisfy { !$0 })
        #expect(set.count == colliding.count)
        #expect(set.contains(0))
        #expect(!set.contains(7 << 60 | 1))
    }

    @Test func growsPastItsFirstCapacityAndBuildsFromSequences() {
        let values = (1...10_000).map { UInt64($0) &* 0x9E37_79B9 }
        var set = FingerprintSet(minimumCapacity: 4)
        set.formUnion(values)
        #expect(set.count == values.count)
        #expect(values.allSatisfy { set.contains($0) })
        let copy = FingerprintSet(Set(values))
        #expect(copy.count == values.count)
        #expect(!copy.contains(0))
        #expect(FingerprintSet().isEmpty && !copy.isEmpty)
    }
}
