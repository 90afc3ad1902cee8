using Pccl.Tests.Support;
using Pccl.Tests.Telemetry.Support;

namespace Pccl.Tests.Telemetry;

/// <summary><c>pccl_buffer_backup_size</c> as real in-place all-reduces with backup on take and release their backups.</summary>
[Collection(PcclMeterCollection.Name)]
public sealed class BufferBackupGaugeTests
{
    private const string Gauge = "pccl_buffer_backup_size";

    [Fact]
    public async Task EachPeerWaitingInAnAllReduceHoldsItsBackupInTheGaugeUntilTheAllReduceEnds()
    {
        var ct = TestContext.Current.CancellationToken;
        const int elements = 1 << 18; // 1 MiB: a power of two, so the pooled backup is exactly the buffer's size
        await using var monitoring = await MonitoringFixture.StartAsync();
        await using var cluster = await TestCluster.StartAsync(3, o => o with { EnableBufferBackup = true }, ct);
        var buffers = Enumerable.Range(1, 3).Select(v => Enumerable.Repeat((float)v, elements).ToArray()).ToArray();
        Assert.Equal(0, (await monitoring.ScrapeAsync()).Value(Gauge));

        // the master starts the all-reduce only once every peer has called: the first two wait, holding their backups
        var first = cluster.Peers[0].AllReduceAsync(buffers[0].AsMemory(), ct: ct);
        var afterOne = (await monitoring.ScrapeAsync()).Value(Gauge);
        var second = cluster.Peers[1].AllReduceAsync(buffers[1].AsMemory(), ct: ct);
        var afterTwo = (await monitoring.ScrapeAsync()).Value(Gauge);
        Assert.False(first.IsCompleted || second.IsCompleted);
        await Task.WhenAll(first, second, cluster.Peers[2].AllReduceAsync(buffers[2].AsMemory(), ct: ct));

        Assert.Equal(1 << 20, afterOne);
        Assert.Equal(2 << 20, afterTwo);
        Assert.Equal(0, (await monitoring.ScrapeAsync()).Value(Gauge));
        Assert.All(buffers, b => Assert.True(b.All(x => x == 6f)));
    }
}
