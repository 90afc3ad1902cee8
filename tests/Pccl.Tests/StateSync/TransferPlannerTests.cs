using Pccl.Operations.StateSync;

namespace Pccl.Tests.StateSync;

public class TransferPlannerTests
{
    private const int Block = 1000;
    private readonly TransferPlanner _planner = new(Block);

    [Fact]
    public void SingleDonorGetsOneRangeOverTheWholeTensor()
    {
        var ranges = _planner.Plan([new TensorTransfer("w", 4500, [7])]);

        Assert.Equal([new BlockRange("w", 7, 0, 5, 0, 4500)], ranges);
    }

    [Fact]
    public void SplitsATensorIntoDisjointBalancedBlockAlignedRanges()
    {
        TensorTransfer[] tensors = [new("w", 10 * Block - 100, [3, 1, 2])];
        var ranges = _planner.Plan(tensors);

        AssertCovers(tensors, ranges);
        Assert.Equal(3, ranges.Count);
        Assert.Equal([1UL, 2UL, 3UL], ranges.Select(r => r.Donor).Order());
        AssertBalanced(ranges);
    }

    [Fact]
    public void BalancesAcrossTensorsWithDifferentDonorSets()
    {
        TensorTransfer[] tensors =
        [
            new("a", 8 * Block, [1]),
            new("b", 12 * Block + 1, [1, 2, 3]),
            new("c", 3 * Block, [2, 3]),
            new("empty", 0, [1]),
        ];
        var ranges = _planner.Plan(tensors);

        AssertCovers(tensors, ranges);
        Assert.All(ranges, r => Assert.Contains(r.Donor, tensors.Single(t => t.Key == r.Key).Donors));
        Assert.DoesNotContain(ranges, r => r.Key == "empty");
        // Donor 1 already carries all of "a" (8 blocks), so "b" and "c" go mostly to 2 and 3.
        AssertBalanced(ranges);
    }

    [Fact]
    public void PlanIsTheSameWhateverTheDonorOrder()
    {
        var one = _planner.Plan([new TensorTransfer("w", 9 * Block, [1, 2, 3])]);
        var other = _planner.Plan([new TensorTransfer("w", 9 * Block, [3, 2, 1])]);

        Assert.Equal(one, other);
    }

    [Fact]
    public void ReassignsTheUnfinishedRangesOfALostDonor()
    {
        TensorTransfer[] tensors = [new("a", 10 * Block - 1, [1, 2, 3]), new("b", 6 * Block, [2, 3])];
        var planned = _planner.Plan(tensors);
        Assert.Contains(planned, r => r.Donor == 2);

        var reassigned = _planner.Reassign(planned, [2], tensors);

        AssertCovers(tensors, reassigned);
        Assert.DoesNotContain(reassigned, r => r.Donor == 2);
        Assert.All(planned.Where(r => r.Donor != 2), r => Assert.Contains(r, reassigned));
        Assert.All(reassigned.Where(r => r.Key == "b"), r => Assert.Equal(3UL, r.Donor));
        // Donor 2's share of "a" goes to donor 1, the one with less left to send.
        Assert.Equal(planned.Where(r => r.Key == "a" && r.Donor is 1 or 2).Sum(r => r.Length),
            reassigned.Where(r => r.Key == "a" && r.Donor == 1).Sum(r => r.Length));
    }

    [Fact]
    public void ReassignsAPartlyReceivedRange()
    {
        TensorTransfer[] tensors = [new("w", 9 * Block - 10, [1, 2])];
        // Blocks 0..5 of donor 1's share arrived; blocks 6..8 (ending in the short block) did not.
        BlockRange[] unfinished = [new("w", 1, 6, 3, 6 * Block, 3 * Block - 10)];

        var reassigned = _planner.Reassign(unfinished, [1], tensors);

        Assert.Equal([new BlockRange("w", 2, 6, 3, 6 * Block, 3 * Block - 10)], reassigned);
    }

    [Fact]
    public void LosingEveryDonorOfATensorIsATransientPeerLoss()
    {
        TensorTransfer[] tensors = [new("w", 4 * Block, [1, 2])];
        var planned = _planner.Plan(tensors);

        var error = Assert.Throws<PcclException>(() => _planner.Reassign(planned, [1, 2], tensors));

        Assert.Equal(PcclErrorCode.PeerLost, error.Code);
        Assert.True(error.IsTransient);
        Assert.Contains("'w'", error.Message);
    }

    [Fact]
    public void TensorWithoutDonorIsRejected()
    {
        Assert.Throws<ArgumentException>(() => _planner.Plan([new TensorTransfer("w", 10, [])]));
    }

    private static void AssertCovers(IEnumerable<TensorTransfer> tensors, IEnumerable<BlockRange> ranges)
    {
        foreach (var tensor in tensors)
        {
            var mine = ranges.Where(r => r.Key == tensor.Key).OrderBy(r => r.Offset).ToArray();
            long next = 0;
            var nextBlock = 0;
            foreach (var range in mine)
            {
                Assert.Equal(next, range.Offset);
                Assert.Equal(nextBlock, range.FirstBlock);
                Assert.Equal((long)range.FirstBlock * Block, range.Offset);
                Assert.True(range.Length > 0);
                Assert.True(range.Length <= (long)range.BlockCount * Block && range.Length > (long)(range.BlockCount - 1) * Block);
                next += range.Length;
                nextBlock += range.BlockCount;
            }
            Assert.Equal(tensor.ByteLength, next);
        }
    }

    private static void AssertBalanced(IEnumerable<BlockRange> ranges)
    {
        var loads = ranges.GroupBy(r => r.Donor).Select(g => g.Sum(r => r.Length)).ToArray();
        Assert.True(loads.Max() - loads.Min() <= Block, $"donor loads {string.Join(", ", loads)} differ by more than one block");
    }
}
