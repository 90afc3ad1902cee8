using System.Text.Json;
using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.Deployment;

/// <summary>
/// One worker per GPU, eight on a host, and the master beside them, every one with the defaults: each takes its own
/// metrics port (the master 9090, the workers the first free of 9091-9123) and p2p port (7118-7150), all train, and
/// each endpoint answers with the ports it took. The host is a network namespace of the test's own, so the default
/// ports are free whatever else runs on this machine. Serial: nine processes on two cores would distort the timing
/// of tests running beside them.
/// </summary>
[Collection(LatencyPinningCollection.Name)]
public sealed class ManyWorkersPerHostTests
{
    private const int Workers = 8;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(180);
    private static readonly Dictionary<string, string> SlowHost = new() { ["PCCL_NETWORK_HEARTBEAT_TIMEOUT_MS"] = "5000" };

    [Fact]
    public async Task EightWorkersAndAMasterWithDefaultsAllTrainAndServeMetrics()
    {
        using var host = NetworkNamespace.Create("pccl" + NetworkNamespace.NewTag() + "-h");
        await using var master = PcclProcess.Start("master", ["master", "--log-file", "none"], SlowHost, networkNamespace: host.Name);
        await PcclProcess.WaitUntilAsync(() => master.Stderr.Contains("master ready", StringComparison.Ordinal) || master.HasExited, Patience, "master ready", master);
        var workers = new List<PcclProcess>();
        try
        {
            // One after another, each once its runtime is up, and with a longer heartbeat timeout: nine .NET processes on
            // two cores shared with other test runs stall past the default 500 ms, which is not what this test is about.
            // Every port setting keeps its default.
            for (var i = 1; i <= Workers; i++)
            {
                var worker = PcclProcess.Start($"w{i}", ["worker", "--json", "--elements", "4096", "--step-delay-ms", "50", "--log-file", "none"],
                    SlowHost, networkNamespace: host.Name);
                workers.Add(worker);
                await PcclProcess.WaitUntilAsync(() => worker.Stderr.Contains("connecting to master", StringComparison.Ordinal) || worker.HasExited,
                    Patience, $"{worker.Name} starts", master, worker);
            }

            PcclProcess[] all = [master, .. workers];
            await PcclProcess.WaitUntilAsync(() => workers.All(w => w.Steps().Any(s => s.GetProperty("world_size").GetInt32() == Workers)) || all.Any(p => p.HasExited),
                Patience, $"{Workers} workers complete a step at world size {Workers}", all);
            Assert.All(all, p => Assert.False(p.HasExited, $"{p.Name} exited:\n{p.Stderr}"));

            var bySequence = workers.SelectMany(w => w.Steps()).GroupBy(s => s.GetProperty("seq").GetUInt64());
            Assert.All(bySequence, g => Assert.Single(g.Select(s => s.GetProperty("result_hash").GetString()).Distinct()));

            Assert.Equal(9090, master.MetricsPort);
            var metricsPorts = workers.Select(w => w.MetricsPort ?? 0).ToArray();
            Assert.Equal(Enumerable.Range(9091, Workers).ToHashSet(), metricsPorts.ToHashSet());

            var p2pPorts = new HashSet<int>();
            foreach (var process in all)
            {
                var port = process.MetricsPort!.Value;
                Assert.Contains("pccl_peer_count", host.Exec("curl", "-sf", $"http://127.0.0.1:{port}/metrics"), StringComparison.Ordinal);
                using var status = JsonDocument.Parse(host.Exec("curl", "-sf", $"http://127.0.0.1:{port}/status"));
                Assert.Equal(port, status.RootElement.GetProperty("metrics_port").GetInt32());
                if (process != master)
                {
                    p2pPorts.Add(status.RootElement.GetProperty("p2p_port").GetInt32());
                    Assert.Contains($"(p2p port {status.RootElement.GetProperty("p2p_port").GetInt32()})", process.Stderr, StringComparison.Ordinal);
                }
            }

            Assert.Equal(Workers, p2pPorts.Count);
            Assert.All(p2pPorts, p => Assert.InRange(p, 7118, 7150));
        }
        finally
        {
            foreach (var w in workers)
            {
                await w.DisposeAsync();
            }
        }
    }
}
