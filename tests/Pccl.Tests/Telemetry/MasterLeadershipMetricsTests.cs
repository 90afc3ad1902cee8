using System.Diagnostics;
using Pccl.Tests.Support;
using Pccl.Tests.Telemetry.Support;

namespace Pccl.Tests.Telemetry;

/// <summary>pccl_master_is_leader, pccl_master_epoch and pccl_master_failovers_total from two masters sharing a SQLite store.</summary>
[Collection(PcclMeterCollection.Name)]
public sealed class MasterLeadershipMetricsTests
{
    [Fact]
    public async Task TheLeadersEpochAndATakeoverAreExportedUnderTheDeploymentNames()
    {
        using var files = new TempDirectory();
        var options = MasterOptions.Default with
        {
            BindAddress = "127.0.0.1",
            Port = 0,
            Store = "sqlite:" + Path.Combine(files.Path, "master.db"),
            LeaseTtl = TimeSpan.FromMilliseconds(800),
        };
        var ct = TestContext.Current.CancellationToken;
        await using var monitoring = await MonitoringFixture.StartAsync();
        var leader = await MasterNode.StartAsync(options, ct: ct);
        await using var standby = await MasterNode.StartAsync(options, ct: ct);

        var before = await monitoring.ScrapeAsync();
        Assert.Equal((1.0, 1.0, 0.0), (before.Value("pccl_master_is_leader"), before.Value("pccl_master_epoch"), before.Value("pccl_master_failovers_total")));
        Assert.Equal(("gauge", "gauge", "counter"),
            (before.TypeOf("pccl_master_is_leader"), before.TypeOf("pccl_master_epoch"), before.TypeOf("pccl_master_failovers_total")));

        await leader.DisposeAsync();
        var clock = Stopwatch.StartNew();
        while (!standby.IsLeader && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(20, ct);
        }

        var after = await monitoring.ScrapeAsync();
        Assert.Equal((1.0, 2.0, 1.0), (after.Value("pccl_master_is_leader"), after.Value("pccl_master_epoch"), after.Value("pccl_master_failovers_total")));
    }
}
