using System.Text.Json;
using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.Topology;

/// <summary>
/// Four workers in two datacentres (<see cref="TwoDatacentres"/>) that joined in alternating order, so the ring by id
/// crosses the slow path four times; with <c>performance.optimize_topology: on_world_change</c> they measure their
/// bandwidth at each admission and the master reorders the ring. Rings and matrices are read from the master's
/// <c>/status</c>.
/// </summary>
public sealed class RingCrossingTests
{
    private const string Alternating = "abab";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private static readonly Dictionary<string, string> Environment = new()
    {
        ["PCCL_NETWORK_HEARTBEAT_TIMEOUT_MS"] = "2000",
        ["PCCL_PERFORMANCE_OPTIMIZE_TOPOLOGY"] = "on_world_change",
    };

    [Fact]
    public async Task After_the_optimisation_the_ring_crosses_the_slow_path_twice()
    {
        using var network = TwoDatacentres.Create(Alternating, rateMbit: 20);
        await using var master = await StartMasterAsync(network);
        var workers = new List<PcclProcess>();
        try
        {
            await JoinInOrderAsync(network, master, workers);
            await PcclProcess.WaitUntilAsync(() => workers.All(w => w.Steps().Any(s => s.GetProperty("world_size").GetInt32() == 4)) && Measured(network, 12),
                Patience, "four workers step together after measuring all 12 directions", [master, .. workers]);

            var group = Group(network);
            var ring = group.GetProperty("ring").EnumerateArray().Select(id => id.GetUInt64()).ToList();
            Assert.Equal(2, Crossings(ring));
            Assert.All(group.GetProperty("bandwidth").EnumerateArray(), e => Assert.True(e.GetProperty("usable").GetBoolean()));
            var slowest = group.GetProperty("bandwidth").EnumerateArray()
                .Where(e => Datacentre(e.GetProperty("from").GetUInt64()) == Datacentre(e.GetProperty("to").GetUInt64()))
                .Min(e => e.GetProperty("bytes_per_second").GetDouble());
            var fastestCrossing = group.GetProperty("bandwidth").EnumerateArray()
                .Where(e => Datacentre(e.GetProperty("from").GetUInt64()) != Datacentre(e.GetProperty("to").GetUInt64()))
                .Max(e => e.GetProperty("bytes_per_second").GetDouble());
            Assert.True(slowest > 2 * fastestCrossing, $"inside a datacentre {slowest} B/s, across {fastestCrossing} B/s");
            await AssertMatrixDrawnAsync(network, ring);

            // the world goes on, on the new ring
            var before = workers.Select(w => w.Steps().Count).ToList();
            await PcclProcess.WaitUntilAsync(() => workers.Select((w, i) => w.Steps().Count > before[i] + 2).All(x => x), Patience,
                "every worker completes more steps", [master, .. workers]);
        }
        finally
        {
            foreach (var w in workers)
            {
                await w.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_pair_that_cannot_connect_and_a_peer_killed_while_measuring_do_not_stop_the_vote()
    {
        using var network = TwoDatacentres.Create(Alternating, rateMbit: 20);

        // peer 1 cannot open connections to peer 3 (not neighbours in the id-ordered ring, so admission still works)
        network.Namespace(network.PeerNamespace(3)).Exec("nft", "add table ip block".Split(' '));
        network.Namespace(network.PeerNamespace(3)).Exec("nft", "add chain ip block input { type filter hook input priority 0 ; }".Split(' '));
        network.Namespace(network.PeerNamespace(3)).Exec("nft", "add", "rule", "ip", "block", "input", "ip", "saddr", TwoDatacentres.PeerAddress(1),
            "tcp", "dport", "7118-7150", "reject", "with", "tcp", "reset");
        await using var master = await StartMasterAsync(network);
        var workers = new List<PcclProcess>();
        try
        {
            await JoinInOrderAsync(network, master, workers, lastWorkerLogLevel: "DEBUG");

            // peer 4's admission starts the vote that measures its pairs: kill it once it has measured one of them
            var victim = workers[3];
            await PcclProcess.WaitUntilAsync(() => victim.Stderr.Contains("measured", StringComparison.Ordinal), Patience,
                "the last worker measures a pair", [master, .. workers]);
            victim.Kill();

            var survivors = workers.Take(3).ToList();
            var before = survivors.Select(w => w.Steps().Count).ToList();
            await PcclProcess.WaitUntilAsync(() => survivors.Select((w, i) => w.Steps().Count(s => s.GetProperty("world_size").GetInt32() == 3) > 2).All(x => x), Patience,
                "the three survivors step together", [master, .. survivors]);

            var group = Group(network);
            var bandwidth = group.GetProperty("bandwidth").EnumerateArray().ToList();
            Assert.DoesNotContain(bandwidth, e => e.GetProperty("from").GetUInt64() == 4 || e.GetProperty("to").GetUInt64() == 4);
            var blocked = Assert.Single(bandwidth, e => e.GetProperty("from").GetUInt64() == 1 && e.GetProperty("to").GetUInt64() == 3);
            Assert.False(blocked.GetProperty("usable").GetBoolean());
            Assert.Equal(3, group.GetProperty("ring").GetArrayLength());
        }
        finally
        {
            foreach (var w in workers)
            {
                await w.DisposeAsync();
            }
        }
    }

    /// <summary><c>pccl bench matrix</c> against the master prints the matrix in ring order and writes a PNG heat map.</summary>
    private static async Task AssertMatrixDrawnAsync(TwoDatacentres network, List<ulong> ring)
    {
        var png = Path.Combine(Path.GetTempPath(), $"pccl-matrix-{Guid.NewGuid():N}.png");
        try
        {
            await using var matrix = PcclProcess.Start("matrix", ["bench", "matrix", "--status", "http://127.0.0.1:9090/status", "--plot", png],
                networkNamespace: network.RouterNamespace('a'));
            Assert.True(await matrix.WaitForExitAsync(Patience) == 0, matrix.Stderr);
            Assert.Contains(matrix.StdoutLines, l => l.StartsWith($"group 0, ring {string.Join(" ", ring)} ", StringComparison.Ordinal));
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(png)[..4]);
        }
        finally
        {
            File.Delete(png);
        }
    }

    /// <summary>Starts the workers one at a time, each once the master registered the one before, so peer ids follow <see cref="Alternating"/>.</summary>
    private static async Task JoinInOrderAsync(TwoDatacentres network, PcclProcess master, List<PcclProcess> workers, string lastWorkerLogLevel = "INFO")
    {
        for (var i = 1; i <= Alternating.Length; i++)
        {
            workers.Add(PcclProcess.Start($"w{i}", [
                "worker", "--master", $"{TwoDatacentres.MasterAddress}:7117", "--advertise-address", TwoDatacentres.PeerAddress(i), "--json",
                "--elements", "4096", "--step-delay-ms", "50", "--log-file", "none", "--log-level", i == Alternating.Length ? lastWorkerLogLevel : "INFO",
            ], Environment, network.PeerNamespace(i)));
            var expected = i;
            await PcclProcess.WaitUntilAsync(() => Peers(network) >= expected, Patience, $"the master registers worker {i}", [master, .. workers]);
        }
    }

    private static async Task<PcclProcess> StartMasterAsync(TwoDatacentres network)
    {
        var master = PcclProcess.Start("master", ["master", "--host", TwoDatacentres.MasterAddress, "--log-file", "none"], Environment, network.RouterNamespace('a'));
        await PcclProcess.WaitUntilAsync(() => master.Stderr.Contains("master ready", StringComparison.Ordinal) || master.HasExited, Patience, "master ready", master);
        Assert.False(master.HasExited, master.Stderr);
        return master;
    }

    private static JsonElement Status(TwoDatacentres network)
    {
        var body = network.Namespace(network.RouterNamespace('a')).Exec("curl", "-sf", "http://127.0.0.1:9090/status");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static int Peers(TwoDatacentres network)
    {
        try
        {
            return Status(network).GetProperty("peers").GetArrayLength();
        }
        catch (InvalidOperationException)
        {
            return 0; // the endpoint is not up yet
        }
    }

    private static JsonElement Group(TwoDatacentres network) => Status(network).GetProperty("groups").EnumerateArray().Single();

    private static bool Measured(TwoDatacentres network, int directions)
    {
        try
        {
            return Group(network).GetProperty("bandwidth").GetArrayLength() >= directions;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static char Datacentre(ulong peer) => Alternating[(int)peer - 1];

    private static int Crossings(List<ulong> ring) =>
        Enumerable.Range(0, ring.Count).Count(i => Datacentre(ring[i]) != Datacentre(ring[(i + 1) % ring.Count]));
}
