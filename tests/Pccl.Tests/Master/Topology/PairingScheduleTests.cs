using Pccl.Master.Core.Topology;

namespace Pccl.Tests.Master.Topology;

public sealed class PairingScheduleTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(10)]
    public void Rounds_cover_every_pair_once_and_no_peer_twice_in_a_round(int n)
    {
        var peers = Enumerable.Range(1, n).Select(i => (ulong)(i * 10)).ToList();

        var rounds = PairingSchedule.Rounds(peers);

        Assert.Equal(n % 2 == 0 ? n - 1 : n, rounds.Count);
        Assert.All(rounds, r => Assert.Equal(r.Count * 2, r.SelectMany(p => new[] { p.A, p.B }).Distinct().Count()));
        var pairs = rounds.SelectMany(r => r).Select(p => (Math.Min(p.A, p.B), Math.Max(p.A, p.B))).ToList();
        Assert.Equal(n * (n - 1) / 2, pairs.Count);
        Assert.Equal(pairs.Count, pairs.Distinct().Count());
    }

    [Fact]
    public void Pairs_across_the_same_two_regions_never_measure_at_once()
    {
        // two datacentres of three, ids alternating between them: most rounds hold several pairs across the one path
        var peers = Enumerable.Range(1, 6).Select(i => (ulong)i).ToList();
        string RegionOf(ulong id) => id % 2 == 0 ? "dc1" : "dc0";

        var steps = PairingSchedule.SharingNoPath(PairingSchedule.Rounds(peers), RegionOf);

        Assert.All(steps, step =>
        {
            Assert.True(step.Count(p => RegionOf(p.A) != RegionOf(p.B)) <= 1, string.Join(", ", step));
            Assert.Equal(step.Count * 2, step.SelectMany(p => new[] { p.A, p.B }).Distinct().Count());
        });
        var pairs = steps.SelectMany(r => r).Select(p => (Math.Min(p.A, p.B), Math.Max(p.A, p.B))).ToList();
        Assert.Equal(15, pairs.Count);
        Assert.Equal(15, pairs.Distinct().Count());
        // the 9 pairs across take 9 steps; the pairs inside a datacentre ride along
        Assert.Equal(9, steps.Count);
    }

    [Fact]
    public void Paths_between_different_regions_measure_side_by_side()
    {
        // (1,2) joins dc0-dc1 and (3,4) dc2-dc3: different paths, one step
        var regions = new Dictionary<ulong, string> { [1] = "dc0", [2] = "dc1", [3] = "dc2", [4] = "dc3" };

        var steps = PairingSchedule.SharingNoPath([[(1, 2), (3, 4)]], id => regions[id]);

        Assert.Equal([(1UL, 2UL), (3UL, 4UL)], Assert.Single(steps));
    }
}
