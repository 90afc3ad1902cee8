using Pccl.Telemetry;
using Pccl.Tests.Telemetry.Support;

namespace Pccl.Tests.Telemetry;

[Collection(PcclMeterCollection.Name)]
public sealed class ExportedMetricsTests
{
    [Fact]
    public async Task RecordingThroughInstrumentsExportsTheDeploymentNames()
    {
        await using var monitoring = await MonitoringFixture.StartAsync();
        using var peer = new PcclInstruments(MetricRole.Peer);

        peer.SetPeerCount(5);
        peer.RecordCollective(TimeSpan.FromMilliseconds(20), 1_000_000, MetricTags.Ops.AllReduce);
        peer.RecordRecovery();
        peer.RecordRecovery();
        peer.SetThroughput(12.5);
        peer.AddBufferBackupSize(4096);
        peer.AddBytesSent(1000, MetricTags.TrafficKinds.Ring);
        peer.AddBytesReceived(700, MetricTags.TrafficKinds.State);
        peer.RecordHeartbeatRtt(TimeSpan.FromMilliseconds(2));
        peer.RecordPeerKicked(MetricTags.KickReasons.HeartbeatTimeout);
        peer.RecordSharedStateSync(revision: 42, bytesSent: 300, bytesReceived: 200);
        peer.RecordFailure(PcclErrorCode.PeerLost);

        var scrape = await monitoring.ScrapeAsync();

        Assert.Equal(5, scrape.Value("pccl_peer_count{role=\"peer\"}"));
        Assert.Equal(1, scrape.Value("pccl_collective_latency_count{op=\"all_reduce\"}"));
        Assert.Equal(1, scrape.Value("pccl_collective_latency_bucket{op=\"all_reduce\",le=\"0.025\"}"));
        Assert.Equal(0.02, scrape.Value("pccl_collective_latency_sum{op=\"all_reduce\"}"), 6);
        Assert.Equal(2, scrape.Value("pccl_recovery_total"));
        Assert.Equal(12.5, scrape.Value("pccl_throughput_gbps"));
        Assert.Equal(4096, scrape.Value("pccl_buffer_backup_size"));
        Assert.Equal(1000, scrape.Value("pccl_bytes_sent_total{kind=\"ring\"}"));
        Assert.Equal(700, scrape.Value("pccl_bytes_received_total{kind=\"state\"}"));
        Assert.Equal(1, scrape.Value("pccl_heartbeat_rtt_seconds_count"));
        Assert.Equal(1, scrape.Value("pccl_heartbeat_rtt_seconds_bucket{le=\"0.0025\"}"));
        Assert.Equal(0, scrape.Value("pccl_heartbeat_rtt_seconds_bucket{le=\"0.001\"}"));
        Assert.Equal(1, scrape.Value("pccl_peers_kicked_total{reason=\"heartbeat_timeout\"}"));
        Assert.Equal(42, scrape.Value("pccl_shared_state_revision"));
        Assert.Equal(300, scrape.Value("pccl_sync_bytes_total{direction=\"sent\"}"));
        Assert.Equal(200, scrape.Value("pccl_sync_bytes_total{direction=\"received\"}"));
        Assert.Equal(1, scrape.Value("pccl_operation_failures_total{code=\"peer_lost\"}"));

        Assert.Equal("gauge", scrape.TypeOf("pccl_peer_count"));
        Assert.Equal("histogram", scrape.TypeOf("pccl_collective_latency"));
        Assert.Equal("counter", scrape.TypeOf("pccl_recovery_total"));
        Assert.Equal("gauge", scrape.TypeOf("pccl_throughput_gbps"));
        Assert.Equal("gauge", scrape.TypeOf("pccl_buffer_backup_size"));
        Assert.Equal("histogram", scrape.TypeOf("pccl_heartbeat_rtt_seconds"));
        Assert.DoesNotContain("_total_total", scrape.Text, StringComparison.Ordinal);
        // Only PCCL series: the bridge's registry carries no default process metrics.
        Assert.All(scrape.Series.Keys, name => Assert.StartsWith("pccl_", name));
    }

    [Fact]
    public async Task CountersAndKnownLabelsStartAtZero()
    {
        await using var monitoring = await MonitoringFixture.StartAsync();

        var scrape = await monitoring.ScrapeAsync();

        Assert.Equal(0, scrape.Value("pccl_recovery_total"));
        foreach (var kind in MetricTags.TrafficKinds.All)
        {
            Assert.Equal(0, scrape.Value($"pccl_bytes_sent_total{{kind=\"{kind}\"}}"));
            Assert.Equal(0, scrape.Value($"pccl_bytes_received_total{{kind=\"{kind}\"}}"));
        }

        foreach (var reason in MetricTags.KickReasons.All)
        {
            Assert.Equal(0, scrape.Value($"pccl_peers_kicked_total{{reason=\"{reason}\"}}"));
        }

        Assert.Equal(0, scrape.Value("pccl_sync_bytes_total{direction=\"sent\"}"));
        Assert.Equal(0, scrape.Value("pccl_sync_bytes_total{direction=\"received\"}"));
        Assert.Equal(0, scrape.Value("pccl_operation_failures_total{code=\"peer_lost\"}"));
        Assert.Equal(0, scrape.Value("pccl_operation_failures_total{code=\"master_lost\"}"));
        Assert.Equal(0, scrape.Value("pccl_collective_latency_count{op=\"all_reduce\"}"));
        Assert.Equal(0, scrape.Value("pccl_collective_latency_bucket{op=\"all_reduce\",le=\"+Inf\"}"));
    }

    [Fact]
    public async Task LatencyHistogramHasBucketsFromOneMillisecondToSixtySeconds()
    {
        await using var monitoring = await MonitoringFixture.StartAsync();
        using var peer = new PcclInstruments(MetricRole.Peer);

        peer.RecordCollective(TimeSpan.FromMilliseconds(3), 0, MetricTags.Ops.TopologyUpdate);
        peer.RecordCollective(TimeSpan.FromSeconds(100), 0, MetricTags.Ops.TopologyUpdate);
        var scrape = await monitoring.ScrapeAsync();

        string Bucket(string le) => $"pccl_collective_latency_bucket{{op=\"topology_update\",le=\"{le}\"}}";
        string[] bounds = ["0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "60"];
        var exported = scrape.Series.Keys
            .Where(k => k.StartsWith("pccl_collective_latency_bucket{op=\"topology_update\"", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(bounds.Length + 1, exported.Count);
        Assert.Equal(0, scrape.Value(Bucket("0.001")));
        Assert.Equal(0, scrape.Value(Bucket("0.0025")));
        Assert.Equal(1, scrape.Value(Bucket("0.005")));
        Assert.Equal(1, scrape.Value(Bucket("60")));
        Assert.Equal(2, scrape.Value(Bucket("+Inf")));
        Assert.Equal(2, scrape.Value("pccl_collective_latency_count{op=\"topology_update\"}"));
        foreach (var le in bounds)
        {
            Assert.Contains(Bucket(le), scrape.Series.Keys);
        }
    }

    [Fact]
    public async Task CollectiveWithBytesSetsThroughputInGigabitsPerSecond()
    {
        await using var monitoring = await MonitoringFixture.StartAsync();
        using var peer = new PcclInstruments(MetricRole.Peer);

        peer.RecordCollective(TimeSpan.FromSeconds(2), 1_000_000_000, MetricTags.Ops.AllReduce);

        Assert.Equal(4.0, (await monitoring.ScrapeAsync()).Value("pccl_throughput_gbps"), 9);
    }

    [Fact]
    public async Task UnknownKickReasonIsExportedAsOther()
    {
        await using var monitoring = await MonitoringFixture.StartAsync();
        using var peer = new PcclInstruments(MetricRole.Peer);

        peer.RecordPeerKicked("cosmic rays " + Guid.NewGuid());
        var scrape = await monitoring.ScrapeAsync();

        Assert.Equal(1, scrape.Value("pccl_peers_kicked_total{reason=\"other\"}"));
        Assert.Equal(MetricTags.KickReasons.All.Count, scrape.Series.Keys.Count(k => k.StartsWith("pccl_peers_kicked_total", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task GaugesSetBeforeTheBridgeStartsAreExported()
    {
        using var master = new PcclInstruments(MetricRole.Master);
        using var peer = new PcclInstruments(MetricRole.Peer);
        master.SetPeerCount(3);
        peer.AddBufferBackupSize(123_456);

        await using var monitoring = await MonitoringFixture.StartAsync();
        var scrape = await monitoring.ScrapeAsync();

        Assert.Equal(3, scrape.Value("pccl_peer_count{role=\"master\"}"));
        Assert.Equal(123_456, scrape.Value("pccl_buffer_backup_size"));
    }

    [Fact]
    public async Task GaugesOfSeveralInstancesAreCombinedAndADisposedInstanceLeavesThem()
    {
        await using var monitoring = await MonitoringFixture.StartAsync();
        var master = new PcclInstruments(MetricRole.Master);
        using var first = new PcclInstruments(MetricRole.Peer);
        using var second = new PcclInstruments(MetricRole.Peer);
        master.SetPeerCount(4);
        first.SetPeerCount(4);
        second.SetPeerCount(3);
        first.AddBufferBackupSize(1000);
        second.AddBufferBackupSize(24);

        var together = await monitoring.ScrapeAsync();
        master.Dispose();
        second.Dispose();
        var apart = await monitoring.ScrapeAsync();

        Assert.Equal(4, together.Value("pccl_peer_count{role=\"master\"}"));
        Assert.Equal(4, together.Value("pccl_peer_count{role=\"peer\"}"));
        Assert.Equal(1024, together.Value("pccl_buffer_backup_size"));
        Assert.Equal(0, apart.Value("pccl_peer_count{role=\"master\"}"));
        Assert.Equal(4, apart.Value("pccl_peer_count{role=\"peer\"}"));
        Assert.Equal(1000, apart.Value("pccl_buffer_backup_size"));
    }

    [Fact]
    public async Task DisposedBridgeStopsForwarding()
    {
        await using var monitoring = await MonitoringFixture.StartAsync();
        using var peer = new PcclInstruments(MetricRole.Peer);
        peer.RecordRecovery();
        monitoring.Bridge.Dispose();

        peer.RecordRecovery();

        Assert.Equal(1, (await monitoring.ScrapeAsync()).Value("pccl_recovery_total"));
    }
}
