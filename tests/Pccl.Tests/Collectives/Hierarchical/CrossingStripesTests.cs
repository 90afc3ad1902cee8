using Pccl.Master.Core.Hierarchy;
using Pccl.Operations.Collectives.Hierarchical;
using Pccl.Protocol.Messages;

namespace Pccl.Tests.Collectives.Hierarchical;

/// <summary>The peers of a region that cross together share the path: their stripes together count.</summary>
public class CrossingStripesTests
{
    [Theory]
    [InlineData(8, 2, 4)]
    [InlineData(8, 3, 3)]
    [InlineData(1, 4, 1)]
    [InlineData(4, 1, 4)]
    [InlineData(3, 8, 1)]
    public void EachCrossingPeerTakesItsShare(int laneStripes, int sharers, int share) =>
        Assert.Equal(share, CrossingStripes.Share(laneStripes, sharers));

    [Theory]
    [InlineData(8, 2, 1)]  // an automatic count says nothing about the path: several crossing peers take one each
    [InlineData(8, 1, 8)]  // a peer crossing alone keeps the lane's count
    public void AnAutomaticCountGivesOneStreamPerPeerWhereSeveralCross(int laneStripes, int sharers, int stripes) =>
        Assert.Equal(stripes, CrossingStripes.For(laneStripes, sharers, configured: false));

    [Theory]
    [InlineData(8, 2, 3, 3)]  // a measured rate: the stripes that fill this peer's share, not one
    [InlineData(8, 4, 1, 1)]
    [InlineData(2, 2, 5, 2)]  // at most the lane's stripes
    public void AnAutomaticCountTakesTheMeasuredShare(int laneStripes, int sharers, int measuredShare, int stripes) =>
        Assert.Equal(stripes, CrossingStripes.For(laneStripes, sharers, configured: false, measuredShare));

    [Fact]
    public void AConfiguredCountIsSharedOut() => Assert.Equal(2, CrossingStripes.For(4, 2, configured: true));

    [Theory]
    [InlineData("a b a b", 1UL, 2)]                    // 2 x 2: both peers of a cross
    [InlineData("a a a a b b b b", 1UL, 4)]            // 2 x 4
    [InlineData("a a a b", 4UL, 1)]                    // the peer alone in b
    [InlineData("a a a b", 1UL, 3)]
    [InlineData("eu/r1 eu/r1 eu/r2 eu/r2 us/r1 us/r1 us/r2 us/r2", 1UL, 4)] // every peer of eu crosses to us
    public void TheSharersAreTheCrossingPeersOfTheRegion(string shape, ulong self, int sharers)
    {
        var labels = shape.Split(' ');
        var ring = Enumerable.Range(1, labels.Length).Select(i => (ulong)i).ToList();
        var start = new CollectiveStart();
        start.Ring.AddRange(ring);
        start.Hierarchy.AddRange(HierarchyPlanner.Plan(ring, labels, 4000, 2));

        Assert.Equal(sharers, CrossingStripes.Sharers(start, self, 0, id => labels[(int)id - 1]));
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    [InlineData(4UL)]
    public void EveryPeerOfAnOptimizedTwoByTwoRingCountsBothCrossingPeersOfItsRegion(ulong self)
    {
        string[] labels = ["dc0", "dc1", "dc0", "dc1"]; // by peer id, joined alternating
        List<ulong> ring = [1, 2, 4, 3];                 // the optimized ring: dc0, dc1, dc1, dc0
        var start = new CollectiveStart();
        start.Ring.AddRange(ring);
        start.Hierarchy.AddRange(HierarchyPlanner.Plan(ring, [.. ring.Select(id => labels[(int)id - 1])], 16UL << 20, 8));

        Assert.Equal(2, CrossingStripes.Sharers(start, self, 0, id => labels[(int)id - 1]));
    }

    [Fact]
    public void ThePathsRateIsTheMostMeasuredToAnyPeerBeyondIt()
    {
        var sides = new Dictionary<ulong, string> { [1] = "dc0", [2] = "dc1", [3] = "dc0", [4] = "dc1", [5] = "dc2" };
        var measured = new Dictionary<ulong, long> { [1] = 12_000_000_000, [2] = 188_000_000, [4] = 21_000_000 };
        long? To(ulong peer) => measured.TryGetValue(peer, out var rate) ? rate : null;

        Assert.Equal(188_000_000, CrossingStripes.PathBitsPerSecond(To, 4, sides)); // a low reading to the partner itself
        Assert.Null(CrossingStripes.PathBitsPerSecond(To, 5, sides));                // nothing measured over the path to dc2
    }
}
