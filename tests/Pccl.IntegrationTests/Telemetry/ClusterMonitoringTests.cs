using System.Globalization;
using System.Text.Json;
using Pccl.Hosting.Processes;
using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.Telemetry;

/// <summary>
/// The deployment guide's monitoring, end to end: real <c>pccl master</c> and <c>pccl worker</c> processes with their
/// default-on metrics endpoints, scraped by a real Prometheus, asked the guide's queries through its HTTP API.
/// Serial (with the other meter tests) so that the processes do not compete with other tests for the CPU.
/// </summary>
[Collection(PcclMeterCollection.Name)]
public sealed class ClusterMonitoringTests
{
    /// <summary>Generous: a loaded 2-core machine starts .NET processes slowly; every wait polls and returns early.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    /// <summary>
    /// The longest a collective may take here: the default network.connect_timeout_ms, the longest wait a peer
    /// accepts for its ring neighbour.
    /// </summary>
    private const double CollectiveTimeoutSeconds = 10;

    /// <summary>4 MiB of floats per step and no pause, so that an all-reduce is in flight most of the time.</summary>
    private static readonly string[] BusyWorkload = ["--elements", "1048576", "--step-delay-ms", "0"];

    /// <summary>Kills until one lands on an all-reduce in flight (see the test).</summary>
    private const int MaxKills = 8;

    [Fact]
    public async Task PrometheusSeesPeerCountLatencyAndRecoveriesOfARealRun()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = FreePort.Tcp();
        var range = FreePort.P2PRange();
        await using var master = await PcclProcess.StartMasterAsync(port);
        var workers = new List<PcclProcess>();
        try
        {
            workers.AddRange(new[] { "w1", "w2", "w3" }.Select(name => PcclProcess.StartWorker(name, port, range, BusyWorkload)));
            PcclProcess[] watched = [master, .. workers];
            await PcclProcess.WaitUntilAsync(() => workers.All(w => w.LastWorldSize == 3) || watched.Any(p => p.HasExited),
                Patience, "three workers at world size 3", watched);
            Assert.All(watched, p => Assert.False(p.HasExited, $"{p.Name} exited:\n{p.Stderr}"));

            var targets = new List<string>();
            foreach (var process in watched)
            {
                targets.Add($"127.0.0.1:{await process.WaitForMetricsPortAsync(Patience)}");
            }

            await using var prometheus = await PrometheusServer.StartAsync(targets, ct);

            // The guide's "pccl_peer_count": the master counts 3 accepted peers, and each worker sees a world of 3.
            var counts = await prometheus.WaitForVectorAsync("pccl_peer_count",
                s => s.Count == 4 && s.All(x => x.Value == 3), Patience, ct);
            Assert.Single(counts, s => s.Label("role") == "master");
            Assert.Equal(3, counts.Count(s => s.Label("role") == "peer"));

            // The guide's "histogram_quantile(0.99, pccl_collective_latency_bucket)": one p99 per process and op; the
            // workers' all-reduce p99 is a positive number of seconds below the timeout (the others have no samples: NaN).
            var p99 = await prometheus.WaitForVectorAsync("histogram_quantile(0.99, pccl_collective_latency_bucket)",
                s => s.Count(x => x.Label("op") == "all_reduce" && x.Value > 0) == 3, Patience, ct);
            Assert.All(p99.Where(s => s.Label("op") == "all_reduce" && !double.IsNaN(s.Value)),
                s => Assert.InRange(s.Value, double.Epsilon, CollectiveTimeoutSeconds));
            var overall = await prometheus.WaitForValueAsync(
                "histogram_quantile(0.99, sum by (le) (pccl_collective_latency_bucket{op=\"all_reduce\"}))", v => v > 0, Patience, ct);
            Assert.InRange(overall, double.Epsilon, CollectiveTimeoutSeconds);

            await AssertMasterStatusAsync(targets[0], ct);

            // SIGKILL a worker while an all-reduce is in flight: the survivors' operation fails, is retried, and the
            // retry counts as a recovery. The kill follows the master's /status showing a running operation, but it can
            // still land after the operation ended (the master then starts the next one with the survivors, and nothing
            // is recovered), so a replacement joins and is killed, up to MaxKills times.
            var victim = workers[2];
            var survivors = new[] { workers[0], workers[1] };
            var recovered = false;
            var kills = 0;
            for (var kill = 1; kill <= MaxKills && !recovered; kill++)
            {
                kills = kill;
                if (kill > 1)
                {
                    victim = PcclProcess.StartWorker($"w{kill + 2}", port, range, BusyWorkload);
                    workers.Add(victim);
                    await PcclProcess.WaitUntilAsync(() => victim.LastWorldSize == 3 && survivors.All(w => w.LastWorldSize == 3),
                        Patience, $"replacement {victim.Name} joined", [master, .. survivors, victim]);
                }

                await WaitForRunningAllReduceAsync(targets[0], ct);
                Assert.True(victim.Signal(PosixSignals.Kill));
                Assert.Equal(2, await prometheus.WaitForValueAsync("pccl_peer_count{role=\"master\"}", v => v == 2, Patience, ct));
                recovered = await WaitForRecoveryAsync(survivors, targets, TimeSpan.FromSeconds(8), ct);
            }

            Assert.True(recovered, $"{MaxKills} SIGKILLs never hit an all-reduce in flight; survivors' logs:\n" + string.Join("\n", survivors.Select(w => w.Stderr)));
            TestContext.Current.TestOutputHelper?.WriteLine($"a recovery was counted after {kills} SIGKILL(s)");

            // The guide's "rate(pccl_recovery_total[5m])" becomes positive for the survivors.
            var rates = await prometheus.WaitForVectorAsync("rate(pccl_recovery_total[5m])",
                s => s.Any(x => x.Value > 0), Patience, ct);
            Assert.Contains(rates, s => s.Value > 0 && targets.GetRange(1, survivors.Length).Contains(s.Label("instance")));
            Assert.True(await prometheus.WaitForValueAsync("sum(rate(pccl_recovery_total[5m]))", v => v > 0, Patience, ct) > 0);
            Assert.All(survivors, w => Assert.False(w.HasExited, $"{w.Name} exited:\n{w.Stderr}"));
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
    public async Task WorkerIsReadyOnlyOnceTheMasterAcceptedIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = FreePort.Tcp();
        // No master yet: the worker keeps retrying the connection (for up to 5 minutes here) while /readyz says why it waits.
        await using var worker = PcclProcess.StartWorker("w", port, FreePort.P2PRange(),
            environment: new Dictionary<string, string> { ["PCCL_NETWORK_CONNECT_TIMEOUT_MS"] = "300000" });
        var metrics = new Uri($"http://127.0.0.1:{await worker.WaitForMetricsPortAsync(Patience)}/");
        using var http = new HttpClient { BaseAddress = metrics, Timeout = TimeSpan.FromSeconds(30) };

        var (status, body) = await GetAsync(http, "readyz", ct);
        Assert.Equal(503, status);
        Assert.Contains("not accepted", body, StringComparison.Ordinal);
        Assert.Equal(200, (await GetAsync(http, "healthz", ct)).Status);
        Assert.False(JsonDocument.Parse((await GetAsync(http, "status", ct)).Body).RootElement.GetProperty("accepted").GetBoolean());

        await using var master = await PcclProcess.StartMasterAsync(port);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while ((await GetAsync(http, "readyz", ct)).Status != 200)
        {
            Assert.True(clock.Elapsed < Patience && !worker.HasExited,
                $"/readyz did not turn ready after the master started; worker:\n{worker.Stderr}\nmaster:\n{master.Stderr}");
            await Task.Delay(200, ct);
        }

        using var document = JsonDocument.Parse((await GetAsync(http, "status", ct)).Body);
        Assert.True(document.RootElement.GetProperty("accepted").GetBoolean());
        Assert.True(document.RootElement.GetProperty("peer_id").GetUInt64() > 0);
        Assert.Equal(1, document.RootElement.GetProperty("global_world_size").GetInt32());
    }

    [Fact]
    public async Task WorkerIsNotReadyWhileItHasLostItsMasterAndReadyAgainUnderTheNextOne()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = FreePort.Tcp();
        var master = await PcclProcess.StartMasterAsync(port);
        await using var worker = PcclProcess.StartWorker("w", port, FreePort.P2PRange(),
            environment: new Dictionary<string, string> { ["PCCL_FAULT_TOLERANCE_MASTER_RECONNECT_TIMEOUT_MS"] = "120000" });
        try
        {
            using var http = new HttpClient
            {
                BaseAddress = new Uri($"http://127.0.0.1:{await worker.WaitForMetricsPortAsync(Patience)}/"),
                Timeout = TimeSpan.FromSeconds(30),
            };
            await WaitForReadinessAsync(http, 200, worker, ct);

            Assert.True(master.Signal(PosixSignals.Kill));
            var lost = await WaitForReadinessAsync(http, 503, worker, ct);
            Assert.Contains($"lost the master at 127.0.0.1:{port}", lost, StringComparison.Ordinal);
            Assert.False(JsonDocument.Parse((await GetAsync(http, "status", ct)).Body).RootElement.GetProperty("accepted").GetBoolean());

            await master.DisposeAsync();
            master = await PcclProcess.StartMasterAsync(port);
            await WaitForReadinessAsync(http, 200, worker, ct);
            Assert.True(JsonDocument.Parse((await GetAsync(http, "status", ct)).Body).RootElement.GetProperty("accepted").GetBoolean());
        }
        finally
        {
            await master.DisposeAsync();
        }
    }

    /// <summary>Polls the worker's /readyz until it answers <paramref name="status"/>; returns that answer's body.</summary>
    private static async Task<string> WaitForReadinessAsync(HttpClient http, int status, PcclProcess worker, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var (answered, body) = await GetAsync(http, "readyz", ct);
            if (answered == status)
            {
                return body;
            }

            Assert.True(clock.Elapsed < Patience && !worker.HasExited,
                $"/readyz answered {answered} ({body.Trim()}) and not {status} within {Patience.TotalSeconds:0} s; worker:\n{worker.Stderr}");
            await Task.Delay(100, ct);
        }
    }

    [Fact]
    public async Task ProcessesServingMetricsStillStopOnSigterm()
    {
        // Regression: the web host behind /metrics used to claim SIGTERM, so Kubernetes could not stop a pod gracefully.
        var port = FreePort.Tcp();
        await using var master = await PcclProcess.StartMasterAsync(port);
        await using var worker = PcclProcess.StartWorker("w", port, FreePort.P2PRange());
        foreach (var process in new[] { master, worker })
        {
            await process.WaitForMetricsPortAsync(Patience);
            Assert.True(process.Signal(PosixSignals.Term));
            var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
            Assert.True(process.HasExited, $"{process.Name} ignored SIGTERM:\n{process.Stderr}");
            Assert.True(exitCode == 0, $"{process.Name} did not stop cleanly on SIGTERM (exit {exitCode}):\n{process.Stderr}");
        }
    }

    /// <summary>The master's /status lists the three peers, their ring and the collectives it ran.</summary>
    private static async Task AssertMasterStatusAsync(string masterTarget, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{masterTarget}/"), Timeout = TimeSpan.FromSeconds(30) };
        var (status, body) = await GetAsync(http, "status", ct);
        Assert.Equal(200, status);
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        Assert.Equal("leader", root.GetProperty("role").GetString());
        Assert.Equal(3, root.GetProperty("world_size").GetInt32());
        Assert.True(root.GetProperty("world_revision").GetUInt64() > 0);
        var peers = root.GetProperty("peers").EnumerateArray().ToList();
        Assert.Equal(3, peers.Count);
        Assert.All(peers, p => Assert.Equal("accepted", p.GetProperty("phase").GetString()));
        var group = Assert.Single(root.GetProperty("groups").EnumerateArray());
        Assert.Equal(
            peers.Select(p => p.GetProperty("id").GetUInt64()).Order(),
            group.GetProperty("ring").EnumerateArray().Select(id => id.GetUInt64()).Order());
        var recent = root.GetProperty("recent_operations").EnumerateArray().Select(o => o.GetProperty("event").GetString()).ToList();
        Assert.InRange(recent.Count, 1, 20);
        Assert.Contains("complete", recent);
    }

    /// <summary>Polls the master's /status until it shows a running collective.</summary>
    private static async Task WaitForRunningAllReduceAsync(string masterTarget, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{masterTarget}/"), Timeout = TimeSpan.FromSeconds(30) };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < Patience)
        {
            using var status = JsonDocument.Parse((await GetAsync(http, "status", ct)).Body);
            if (status.RootElement.GetProperty("operations_in_flight").EnumerateArray().Any(o => o.GetProperty("state").GetString() == "running"))
            {
                return;
            }

            await Task.Delay(2, ct);
        }

        Assert.Fail("the master's /status never showed a running all-reduce");
    }

    /// <summary>Polls the survivors' own /metrics until one counts a recovery; false when none does in time.</summary>
    private static async Task<bool> WaitForRecoveryAsync(PcclProcess[] survivors, List<string> targets, TimeSpan timeout, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            foreach (var target in targets.GetRange(1, survivors.Length))
            {
                var text = await http.GetStringAsync(new Uri($"http://{target}/metrics"), ct);
                var line = text.Split('\n').FirstOrDefault(l => l.StartsWith("pccl_recovery_total ", StringComparison.Ordinal));
                if (line is not null && double.Parse(line["pccl_recovery_total ".Length..], CultureInfo.InvariantCulture) > 0)
                {
                    return true;
                }
            }

            await Task.Delay(250, ct);
        }

        return false;
    }

    private static async Task<(int Status, string Body)> GetAsync(HttpClient http, string path, CancellationToken ct)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative), ct);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
    }
}
