using Pccl.Hosting.Processes;
using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.Membership;

/// <summary>Real master and worker processes on loopback: joining, voting, losing peers, groups.</summary>
public class MembershipTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ThreeWorkersReachWorldSizeThreeAndAFourthJoinsMidRun()
    {
        var port = FreePort.Tcp();
        var range = FreePort.P2PRange();
        await using var master = await PcclProcess.StartMasterAsync(port);
        await using var w1 = PcclProcess.StartWorker("w1", port, range);
        await using var w2 = PcclProcess.StartWorker("w2", port, range);
        await using var w3 = PcclProcess.StartWorker("w3", port, range);
        PcclProcess[] all = [master, w1, w2, w3];
        await PcclProcess.WaitUntilAsync(() => new[] { w1, w2, w3 }.All(w => w.LastWorldSize == 3), Patience, "three workers at world size 3", all);

        await using var w4 = PcclProcess.StartWorker("w4", port, range);
        await PcclProcess.WaitUntilAsync(() => new[] { w1, w2, w3, w4 }.All(w => w.LastWorldSize == 4), Patience, "the fourth worker accepted", [.. all, w4]);

        // every all-reduce the master numbered produced one result on every peer
        var bySequence = new[] { w1, w2, w3, w4 }.SelectMany(w => w.Steps())
            .GroupBy(s => s.GetProperty("seq").GetUInt64());
        Assert.All(bySequence, g => Assert.Single(g.Select(s => s.GetProperty("result_hash").GetString()).Distinct()));
    }

    [Fact]
    public async Task SigkilledWorkerIsRemovedAndTheOthersCarryOn()
    {
        var port = FreePort.Tcp();
        var range = FreePort.P2PRange();
        await using var master = await PcclProcess.StartMasterAsync(port);
        await using var w1 = PcclProcess.StartWorker("w1", port, range);
        await using var w2 = PcclProcess.StartWorker("w2", port, range);
        await using var w3 = PcclProcess.StartWorker("w3", port, range);
        PcclProcess[] all = [master, w1, w2, w3];
        await PcclProcess.WaitUntilAsync(() => new[] { w1, w2, w3 }.All(w => w.LastWorldSize == 3), Patience, "world size 3", all);

        w3.Signal(PosixSignals.Kill);
        var before = new[] { w1, w2 }.ToDictionary(w => w, w => w.Steps().Count);
        await PcclProcess.WaitUntilAsync(
            () => new[] { w1, w2 }.All(w => w.Steps().Skip(before[w]).Count(s => s.GetProperty("world_size").GetInt32() == 2) >= 5),
            TimeSpan.FromSeconds(20), "survivors complete 5 steps at world size 2", all);
        Assert.False(w1.HasExited);
        Assert.False(w2.HasExited);
    }

    [Fact]
    public async Task TwoPeerGroupsStaySeparate()
    {
        var port = FreePort.Tcp();
        var range = FreePort.P2PRange();
        await using var master = await PcclProcess.StartMasterAsync(port);
        await using var a1 = PcclProcess.StartWorker("a1", port, range, ["--group", "1"]);
        await using var a2 = PcclProcess.StartWorker("a2", port, range, ["--group", "1"]);
        await using var b1 = PcclProcess.StartWorker("b1", port, range, ["--group", "2"]);
        await using var b2 = PcclProcess.StartWorker("b2", port, range, ["--group", "2"]);
        PcclProcess[] all = [master, a1, a2, b1, b2];
        await PcclProcess.WaitUntilAsync(() => new[] { a1, a2, b1, b2 }.All(w => w.Steps().Count >= 5), Patience, "both groups training", all);

        // all-reduces ran within each group (world size 2), and the groups' results never mixed
        Assert.All(new[] { a1, a2, b1, b2 }, w => Assert.Equal(2, w.LastWorldSize));
        var groupA = a1.Steps().Concat(a2.Steps()).Select(s => s.GetProperty("seq").GetUInt64()).ToHashSet();
        var groupB = b1.Steps().Concat(b2.Steps()).Select(s => s.GetProperty("seq").GetUInt64()).ToHashSet();
        Assert.Empty(groupA.Intersect(groupB));
    }

    [Fact]
    public async Task ConfigTypoExitsNonZeroNamingTheKey()
    {
        var dir = Directory.CreateTempSubdirectory("pccl-config-");
        try
        {
            var file = Path.Combine(dir.FullName, "pccl_config.yaml");
            await File.WriteAllTextAsync(file, "network:\n  master_port: 7117\n  heartbeat_intervall_ms: 100\n", TestContext.Current.CancellationToken);
            await using var worker = PcclProcess.Start("worker", ["worker", "--config", file]);
            var code = await worker.WaitForExitAsync(TimeSpan.FromSeconds(30));
            Assert.NotEqual(0, code);
            Assert.Contains("heartbeat_intervall_ms", worker.Stderr, StringComparison.Ordinal);
            Assert.Contains(":3:", worker.Stderr, StringComparison.Ordinal);
            Assert.Contains("heartbeat_interval_ms", worker.Stderr, StringComparison.Ordinal);

            await using var validate = PcclProcess.Start("validate", ["config", "validate", file]);
            Assert.NotEqual(0, await validate.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("heartbeat_intervall_ms", validate.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task PcclRoleSelectsTheRoleWithoutAVerb()
    {
        var port = FreePort.Tcp();
        var portText = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var master = PcclProcess.Start("master", [], new Dictionary<string, string>
        {
            ["PCCL_ROLE"] = "master", ["PCCL_NETWORK_MASTER_PORT"] = portText, ["PCCL_NETWORK_BIND_ADDRESS"] = "127.0.0.1",
        });
        await PcclProcess.WaitUntilAsync(() => master.Stderr.Contains("master ready", StringComparison.Ordinal), Patience, "master started by PCCL_ROLE", master);

        await using var worker = PcclProcess.Start("worker", [], new Dictionary<string, string>
        {
            ["PCCL_ROLE"] = "worker", ["PCCL_NETWORK_MASTER_PORT"] = portText, ["PCCL_NETWORK_BIND_ADDRESS"] = "127.0.0.1",
            ["PCCL_NETWORK_P2P_PORT_RANGE"] = FreePort.P2PRange(),
        });
        await PcclProcess.WaitUntilAsync(() => master.Stderr.Contains("Peer 1 joined", StringComparison.Ordinal), Patience, "worker started by PCCL_ROLE joins", master, worker);

        await using var bad = PcclProcess.Start("bad", [], new Dictionary<string, string> { ["PCCL_ROLE"] = "mastr" });
        Assert.NotEqual(0, await bad.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("PCCL_ROLE", bad.Stderr, StringComparison.Ordinal);
    }
}
