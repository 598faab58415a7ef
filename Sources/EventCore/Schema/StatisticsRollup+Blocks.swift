import Vocabulary

/// Cutting a period into whole blocks of the roll-up.
extension StatisticsRollup {
    /// Consecutive whole blocks of one length: those starting in `from ..< to`.
    struct BlockRun: Equatable {
        /// Block length.
        let span: EpochMillis
        /// Start of the first block.
        let from: EpochMillis
        /// End of the last block (the start of the block after it).
        let to: EpochMillis
    }

    /// The whole blocks inside `since ..< until`, longest blocks in the middle, and the range they cover;
    /// what is left at the two ends is shorter than the shortest block. Nil when no whole block fits.
    /// At most two runs per block length, however long the period.
    static func blockRuns(since: EpochMillis, until: EpochMillis) -> (runs: [BlockRun], covered: Range<EpochMillis>)? {
        guard let shortest = blockSpans.first, let first = blockEnd(since, span: shortest),
              let last = blockStart(until, span: shortest), first < last else { return nil }
        var low = first
        var high = last
        var leftRuns: [BlockRun] = []
        var rightRuns: [BlockRun] = []
        for (span, longer) in zip(blockSpans, blockSpans.dropFirst()) {
            guard let lowUp = blockEnd(low, span: longer), let highDown = blockStart(high, span: longer), lowUp < highDown else {
                return (leftRuns + [BlockRun(span: span, from: low, to: high)] + rightRuns.reversed(), first ..< last)
            }
            if low < lowUp { leftRuns.append(BlockRun(span: span, from: low, to: lowUp)) }
            if highDown < high { rightRuns.append(BlockRun(span: span, from: highDown, to: high)) }
            low = lowUp
            high = highDown
        }
        let longest = blockSpans[blockSpans.count - 1]
        return (leftRuns + [BlockRun(span: longest, from: low, to: high)] + rightRuns.reversed(), first ..< last)
    }

    /// `time` rounded up to a multiple of `span`; nil when it would pass `EpochMillis.max`.
    private static func blockEnd(_ time: EpochMillis, span: EpochMillis) -> EpochMillis? {
        guard let start = blockStart(time, span: span) else { return nil }
        if start == time { return time }
        let (end, overflow) = start.addingReportingOverflow(span)
        return overflow ? nil : end
    }
}
