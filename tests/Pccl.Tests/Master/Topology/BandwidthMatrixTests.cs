using Pccl.Master.Core.Topology;

namespace Pccl.Tests.Master.Topology;

public sealed class BandwidthMatrixTests
{
    [Fact]
    public void Costs_are_time_per_byte_relative_to_the_fastest_pair()
    {
        var matrix = new BandwidthMatrix();
        matrix.Record(1, 2, 1000);
        matrix.Record(2, 1, 250);
        matrix.MarkUnusable(1, 3);
        matrix.Record(3, 1, double.NaN); // not a rate: unusable as well

        var costs = matrix.Costs([1, 2, 3]);

        Assert.Equal(1.0, costs[0, 1]);
        Assert.Equal(4.0, costs[1, 0]);
        Assert.Equal(BandwidthMatrix.UnusableCost, costs[0, 2]);
        Assert.Equal(BandwidthMatrix.UnusableCost, costs[2, 0]);
        Assert.Equal(4.0, costs[1, 2]); // never measured: as the slowest measured pair
        Assert.Equal(0.0, costs[1, 1]);
    }

    [Fact]
    public void A_departed_peer_is_forgotten_in_both_directions()
    {
        var matrix = new BandwidthMatrix();
        matrix.Record(1, 2, 1000);
        matrix.Record(2, 1, 1000);
        matrix.Record(2, 3, 1000);

        matrix.Forget(1);

        Assert.Equal([(2UL, 3UL)], matrix.Entries.Keys);
    }
}
