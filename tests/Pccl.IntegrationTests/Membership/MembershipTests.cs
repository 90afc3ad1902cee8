using Pccl.Hosting.Processes;
using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.Membership;

/// <summary>Real master and worker processes on loopback: joining, voting, losing peers, groups.</summary>
public class MembershipTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static async Task<(PcclProcess, PcclProcess, PcclProcess)> StartThreeAsync(LoopbackRun run)
    {
        var w = await run.StartWorldAsync(3, Patience);
        return (w[0], w[1], w[2]);
    }

    [Fact]
    public async Task ThreeWorkersReachWorldSizeThreeAndAFourthJoinsMidRun()
    {
        await using var run = await LoopbackRun.StartAsync();
        var (w1, w2, w3) = await StartThreeAsync(run);

        var w4 = run.StartWorker("w4");
        await run.WaitUntilAsync(() => new[] { w1, w2, w3, w4 }.All(w => w.LastWorldSize == 4), Patience, "the fourth worker accepted");

        // every all-reduce the master numbered produced one result on every peer
        var bySequence = new[] { w1, w2, w3, w4 }.SelectMany(w => w.Steps())
            .GroupBy(s => s.GetProperty("seq").GetUInt64());
        Assert.All(bySequence, g => Assert.Single(g.Select(s => s.GetProperty("result_hash").GetString()).Distinct()));
    }

    [Fact]
    public async Task SigkilledWorkerIsRemovedAndTheOthersCarryOn()
    {
        await using var run = await LoopbackRun.StartAsync();
        var (w1, w2, w3) = await StartThreeAsync(run);

        w3.Signal(PosixSignals.Kill);
        var before = new[] { w1, w2 }.ToDictionary(w => w, w => w.Steps().Count);
        await run.WaitUntilAsync(
            () => new[] { w1, w2 }.All(w => w.Steps().Skip(before[w]).Count(s => s.GetProperty("world_size").GetInt32() == 2) >= 5),
            TimeSpan.FromSeconds(20), "survivors complete 5 steps at world size 2");
        Assert.False(w1.HasExited);
        Assert.False(w2.HasExited);
    }

    [Fact]
    public async Task TwoPeerGroupsStaySeparate()
    {
        await using var run = await LoopbackRun.StartAsync();
        var a1 = run.StartWorker("a1", ["--group", "1"]);
        var a2 = run.StartWorker("a2", ["--group", "1"]);
        var b1 = run.StartWorker("b1", ["--group", "2"]);
        var b2 = run.StartWorker("b2", ["--group", "2"]);
        await run.WaitUntilAsync(() => new[] { a1, a2, b1, b2 }.All(w => w.Steps().Count >= 5), Patience, "both groups training");

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
