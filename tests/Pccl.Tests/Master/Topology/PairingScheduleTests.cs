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
}
