using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Pccl.Hosting.Tests.Support;
using Pccl.IntegrationTests.Support;

namespace Pccl.Hosting.Tests.Telemetry;

/// <summary>
/// An application's OpenTelemetry pipeline, with the in-memory exporter, sees PCCL's operations as activities (tag,
/// bytes, world size, outcome) and its metrics, subscribing by the names of <see cref="PcclTelemetry"/>.
/// </summary>
[Collection(InProcessPcclCollection.Name)]
public class OpenTelemetryTests
{
    [Fact]
    public async Task ThePipelineCollectsTheOperationsActivitiesAndMetrics()
    {
        var ct = TestContext.Current.CancellationToken;
        var activities = new List<Activity>();
        var metrics = new List<Metric>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(PcclTelemetry.ActivitySourceName).AddInMemoryExporter(activities).Build();
        using var metering = Sdk.CreateMeterProviderBuilder().AddMeter(PcclTelemetry.MeterName).AddInMemoryExporter(metrics).Build();

        await using var master = await MasterNode.StartAsync(MasterOptions.Default with { BindAddress = "127.0.0.1", Port = FreePort.Tcp() }, ct: ct);
        var options = CommunicatorOptions.Default with
        {
            MasterPort = master.Port,
            P2PBindAddress = "127.0.0.1",
            P2PPorts = OwnPorts(),
            HeartbeatTimeout = TimeSpan.FromSeconds(5),
        };
        await using var a = await Communicator.ConnectAsync(options, ct: ct);
        var joining = Communicator.ConnectAsync(options, ct: ct);
        while (!await a.ArePeersPendingAsync(ct))
        {
            await Task.Delay(20, ct);
        }

        await a.UpdateTopologyAsync(ct);
        Assert.Null(Activity.Current); // an operation's activity is current only while it runs
        await using var b = await joining;

        var x = new float[1000];
        var y = new float[1000];
        await Task.WhenAll(
            a.AllReduceAsync(x.AsMemory(), new AllReduceOptions { Tag = 7 }, ct),
            b.AllReduceAsync(y.AsMemory(), new AllReduceOptions { Tag = 7 }, ct));
        var weightsA = new double[64];
        var weightsB = new double[64];
        Array.Fill(weightsA, 1.5);
        var stateA = new SharedState([SharedStateEntry.Create("w", weightsA.AsMemory())], revision: 1);
        var stateB = new SharedState([SharedStateEntry.Create("w", weightsB.AsMemory())], revision: 0);
        await Task.WhenAll(
            a.SyncSharedStateAsync(stateA, SharedStateSyncStrategy.SendOnly, ct),
            b.SyncSharedStateAsync(stateB, SharedStateSyncStrategy.ReceiveOnly, ct));
        Assert.Equal(1.5, weightsB[0]);

        tracing.ForceFlush();
        metering.ForceFlush();

        var allReduces = activities.Where(r => r.OperationName == "pccl.all_reduce").ToList();
        Assert.Equal(2, allReduces.Count);
        Assert.All(allReduces, r =>
        {
            Assert.Equal(7u, r.GetTagItem("pccl.tag"));
            Assert.Equal(4000L, r.GetTagItem("pccl.bytes"));
            Assert.Equal(2, r.GetTagItem("pccl.world_size"));
            Assert.Equal("ok", r.GetTagItem("pccl.outcome"));
            Assert.Equal(ActivityStatusCode.Ok, r.Status);
        });
        var votes = activities.Where(r => r.OperationName == "pccl.vote").ToList();
        Assert.Contains(votes, v => (string?)v.GetTagItem("pccl.vote.kind") == "pending_peers");
        Assert.Contains(votes, v => (string?)v.GetTagItem("pccl.vote.kind") == "topology_update" && (int?)v.GetTagItem("pccl.world_size") == 2);
        var syncs = activities.Where(r => r.OperationName == "pccl.shared_state.sync").ToList();
        Assert.Equal(2, syncs.Count);
        Assert.All(syncs, s => Assert.Equal(1L, s.GetTagItem("pccl.revision")));
        Assert.All(syncs, s => Assert.Equal(64L * sizeof(double), s.GetTagItem("pccl.bytes")));

        // one meter per communicator: each peer's latency histogram counted its all-reduce
        var latencies = metrics.Where(m => m.Name == "pccl.collective.latency").ToList();
        Assert.Equal(2, latencies.Count);
        Assert.All(latencies, latency =>
        {
            var points = new List<MetricPoint>();
            foreach (ref readonly var point in latency.GetMetricPoints())
            {
                points.Add(point);
            }

            Assert.Contains(points, p => Tag(p, "op") == "all_reduce" && p.GetHistogramCount() == 1);
        });
        Assert.Contains(metrics, m => m.Name == "pccl.bytes.sent");
        Assert.Contains(metrics, m => m.Name == "pccl.peer.count");
    }

    [Fact]
    public async Task AFailedOperationEndsItsActivityWithTheErrorCode()
    {
        var ct = TestContext.Current.CancellationToken;
        var activities = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(PcclTelemetry.ActivitySourceName).AddInMemoryExporter(activities).Build();
        var master = await MasterNode.StartAsync(MasterOptions.Default with { BindAddress = "127.0.0.1", Port = FreePort.Tcp() }, ct: ct);
        await using var a = await Communicator.ConnectAsync(CommunicatorOptions.Default with
        {
            MasterPort = master.Port,
            P2PBindAddress = "127.0.0.1",
            P2PPorts = OwnPorts(),
            MasterReconnectTimeout = TimeSpan.Zero, // the call fails at once instead of after the default 30 s of following
        }, ct: ct);
        await master.DisposeAsync();

        var error = await Assert.ThrowsAnyAsync<PcclException>(() => a.ArePeersPendingAsync(ct));

        tracing.ForceFlush();
        var vote = Assert.Single(activities, r => r.OperationName == "pccl.vote");
        Assert.Equal(ActivityStatusCode.Error, vote.Status);
        Assert.Equal(error.Message, vote.StatusDescription);
        var snakeCase = System.Text.RegularExpressions.Regex.Replace(error.Code.ToString(), "(?<!^)([A-Z])", "_$1").ToLowerInvariant();
        Assert.Equal(snakeCase, vote.GetTagItem("pccl.outcome"));
    }

    private static PortRange OwnPorts()
    {
        var range = FreePort.P2PRange().Split('-');
        return new PortRange(int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(range[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static string? Tag(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key)
            {
                return tag.Value?.ToString();
            }
        }

        return null;
    }
}
