using Pccl.Telemetry;
using Pccl.Tests.Support;
using Pccl.Tests.Telemetry.Support;

namespace Pccl.Tests.Telemetry;

/// <summary>Every communicator and master keeps its own gauges, also when they share a process.</summary>
public sealed class InstanceGaugesTests
{
    [Fact]
    public async Task TwoCommunicatorsAndAMasterInOneProcessReportThreeSeparateSetsOfGauges()
    {
        var ct = TestContext.Current.CancellationToken;
        const int elements = 1 << 18; // 1 MiB: a power of two, so the pooled backup is exactly the buffer's size
        using var gauges = new GaugeRecorder();
        await using var cluster = await TestCluster.StartAsync(2, o => o with { EnableBufferBackup = true }, ct);
        var master = cluster.Master.TelemetryInstance;
        var (first, second) = (cluster.Peers[0].Diagnostics.TelemetryInstance, cluster.Peers[1].Diagnostics.TelemetryInstance);
        Assert.Equal(3, new[] { master, first, second }.Distinct().Count());

        // the master starts the all-reduce only once both peers have called: the first waits, holding its backup
        var buffers = Enumerable.Range(1, 2).Select(v => Enumerable.Repeat((float)v, elements).ToArray()).ToArray();
        var waiting = cluster.Peers[0].AllReduceAsync(buffers[0].AsMemory(), ct: ct);
        gauges.Collect();

        Assert.Equal(2, gauges.Value(master, PcclInstruments.Names.PeerCount, "master"));
        Assert.Null(gauges.Value(master, PcclInstruments.Names.PeerCount, "peer"));
        Assert.Equal(0, gauges.Value(master, PcclInstruments.Names.BufferBackupSize));
        Assert.Equal(2, gauges.Value(first, PcclInstruments.Names.PeerCount, "peer"));
        Assert.Equal(1 << 20, gauges.Value(first, PcclInstruments.Names.BufferBackupSize));
        Assert.Equal(2, gauges.Value(second, PcclInstruments.Names.PeerCount, "peer"));
        Assert.Equal(0, gauges.Value(second, PcclInstruments.Names.BufferBackupSize));
        Assert.False(waiting.IsCompleted);

        await Task.WhenAll(waiting, cluster.Peers[1].AllReduceAsync(buffers[1].AsMemory(), ct: ct));
        await cluster.Peers[1].DisposeAsync();
        await WaitUntilAsync(() => gauges.Value(master, PcclInstruments.Names.PeerCount, "master") == 1
            && gauges.Value(first, PcclInstruments.Names.PeerCount, "peer") == 1, gauges, ct);

        Assert.Equal(0, gauges.Value(first, PcclInstruments.Names.BufferBackupSize));
        Assert.False(gauges.Reports(second)); // a disposed communicator's meter is gone
        Assert.All(buffers, b => Assert.True(b.All(x => x == 3f)));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, GaugeRecorder gauges, CancellationToken ct)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(ct);
        patience.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            gauges.Collect();
            if (condition())
            {
                return;
            }

            await Task.Delay(10, patience.Token);
        }
    }
}
