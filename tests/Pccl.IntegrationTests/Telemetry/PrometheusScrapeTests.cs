using Pccl.Hosting.Telemetry;
using Pccl.IntegrationTests.Support;
using Pccl.Telemetry;

namespace Pccl.IntegrationTests.Telemetry;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PcclMeterCollection
{
    public const string Name = "Pccl meter (serial)";
}

[Collection(PcclMeterCollection.Name)]
public sealed class PrometheusScrapeTests
{
    [Fact]
    public async Task RealPrometheusScrapesTheMonitoringServer()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var bridge = new PrometheusBridge();
        await using var monitoring = new MonitoringServer(new MonitoringServerOptions { BindAddress = "127.0.0.1", Port = 0 }, bridge.Registry);
        await monitoring.StartAsync(cancellationToken);
        using var peer = new PcclInstruments(MetricRole.Peer);
        peer.SetPeerCount(4);
        peer.RecordCollective(TimeSpan.FromMilliseconds(30), 4096, MetricTags.Ops.AllReduce);

        await using var prometheus = await PrometheusServer.StartAsync([$"127.0.0.1:{monitoring.Port}"], cancellationToken);

        var timeout = TimeSpan.FromSeconds(60);
        Assert.Equal(4, await prometheus.WaitForValueAsync("pccl_peer_count", v => v == 4, timeout, cancellationToken));
        Assert.Equal(1, await prometheus.WaitForValueAsync("up{job=\"pccl\"}", v => v == 1, timeout, cancellationToken));
        // Counters exist at 0 from the first scrape, so rate() has a value as soon as two scrapes are in.
        Assert.Equal(0, await prometheus.WaitForValueAsync("rate(pccl_recovery_total[1m])", _ => true, timeout, cancellationToken));
        var p99 = await prometheus.WaitForValueAsync(
            "histogram_quantile(0.99, sum by (le) (pccl_collective_latency_bucket{op=\"all_reduce\"}))", _ => true, timeout, cancellationToken);
        Assert.InRange(p99, 0.025, 0.05);
    }
}
