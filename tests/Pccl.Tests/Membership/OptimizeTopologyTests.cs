using Pccl.Tests.Support;

namespace Pccl.Tests.Membership;

/// <summary><see cref="Communicator.OptimizeTopologyAsync"/> on loopback: the peers measure every direction, and the world goes on.</summary>
public sealed class OptimizeTopologyTests
{
    [Fact]
    public async Task Every_direction_is_measured_and_an_all_reduce_runs_on_the_ring_afterwards()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var cluster = await TestCluster.StartAsync(3, ct: timeout.Token);

        await cluster.OnAll(async (p, _) => { await p.OptimizeTopologyAsync(timeout.Token); return 0; });

        var group = Assert.Single((await cluster.Master.GetStatusAsync(timeout.Token)).Groups);
        Assert.Equal(6, group.Bandwidth.Count);
        Assert.All(group.Bandwidth, e => Assert.True(e.Usable && e.BytesPerSecond > 0, $"{e.From}->{e.To}: {e.BytesPerSecond} B/s"));
        Assert.Equal(cluster.Peers.Select(p => p.PeerId).Order(), group.Ring.Order());

        var sums = await cluster.OnAll(async (p, i) =>
        {
            var data = new float[1024];
            Array.Fill(data, i + 1);
            await p.AllReduceAsync(data.AsMemory(), ct: timeout.Token);
            return data[0];
        });
        Assert.All(sums, s => Assert.Equal(6f, s));

        // a second vote measures nothing new and returns at once with the same ring
        await cluster.OnAll(async (p, _) => { await p.OptimizeTopologyAsync(timeout.Token); return 0; });
        Assert.Equal(group.Ring, Assert.Single((await cluster.Master.GetStatusAsync(timeout.Token)).Groups).Ring);
    }

    [Fact]
    public async Task A_measurement_over_several_connections_reports_every_direction()
    {
        // three connections per neighbour: each measurement runs over three BENCH connections and reports their sum
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var cluster = await TestCluster.StartAsync(2, o => o with { ConnectionsPerPeer = 3 }, timeout.Token);

        await cluster.OnAll(async (p, _) => { await p.OptimizeTopologyAsync(timeout.Token); return 0; });

        var group = Assert.Single((await cluster.Master.GetStatusAsync(timeout.Token)).Groups);
        Assert.Equal(2, group.Bandwidth.Count);
        Assert.All(group.Bandwidth, e => Assert.True(e.Usable && e.BytesPerSecond > 0, $"{e.From}->{e.To}: {e.BytesPerSecond} B/s"));
        var sums = await cluster.OnAll(async (p, i) =>
        {
            var data = new float[1 << 20];
            Array.Fill(data, i + 1);
            await p.AllReduceAsync(data.AsMemory(), ct: timeout.Token);
            return data[^1];
        });
        Assert.All(sums, s => Assert.Equal(3f, s));
    }
}
