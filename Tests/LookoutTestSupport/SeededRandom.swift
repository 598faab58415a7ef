import Vocabulary

/// The tests' seeded generator: Vocabulary's one SplitMix64, so that a failing randomised test replays from its seed.
public typealias SeededRandom = SplitMix64
