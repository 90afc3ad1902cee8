using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Pccl.IntegrationTests.Support;
using Pccl.NativeTests.Support;

namespace Pccl.NativeTests;

/// <summary>
/// The <c>PCCL_METRICS_*</c> and <c>PCCL_LOGGING_*</c> variables take effect in C processes: a C master's and a C
/// peer's Prometheus endpoints answer with their metrics, a C peer's <c>/readyz</c> and <c>/status</c> as a worker's,
/// and the log level, console and file follow the variables.
/// </summary>
public sealed class CApiObservabilityTests(NativeBuild build)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_C_master_and_C_peers_serve_metrics_on_the_ports_the_environment_names()
    {
        var port = FreePort.Tcp().ToString(CultureInfo.InvariantCulture);
        var masterMetrics = FreePort.Tcp();
        int[] peerMetrics = [FreePort.Tcp(), FreePort.Tcp()];
        using var master = ChildProcess.Start("master", build.Program("master"), [port], Metrics(masterMetrics));
        Assert.True(await master.WaitForLineAsync("MASTER RUNNING", Patience), master.Output);
        var peers = peerMetrics.Select((metrics, i) => ChildProcess.Start($"peer {i}", build.Program("connect"), [port, "2", "hold"],
            new Dictionary<string, string>(Metrics(metrics)) { ["PCCL_NETWORK_P2P_PORT_RANGE"] = FreePort.P2PRange() })).ToList();
        try
        {
            foreach (var peer in peers)
            {
                Assert.True(await peer.WaitForLineAsync("HOLDING", Patience), string.Join('\n', peers.Select(p => p.Output)) + "\n" + master.Output);
            }

            var peerTexts = await Task.WhenAll(peerMetrics.Select(ScrapeAsync));
            var masterText = await ScrapeAsync(masterMetrics);
            foreach (var peer in peers)
            {
                peer.CloseInput();
            }

            foreach (var peer in peers)
            {
                Assert.True(await peer.WaitForExitAsync(Patience) == 0, peer.Output);
            }

            master.CloseInput();
            Assert.True(await master.WaitForExitAsync(Patience) == 0, master.Output);

            Assert.All(peers, p => Assert.Contains("sum ok", p.Lines));
            Assert.Equal(2, Sample(masterText, "pccl_peer_count", "role=\"master\""));
            Assert.All(peerTexts, text =>
            {
                Assert.Equal(2, Sample(text, "pccl_peer_count", "role=\"peer\""));
                Assert.True(Sample(text, "pccl_collective_latency_count", "op=\"all_reduce\"") >= 1, text);
            });
            Assert.Contains(master.Lines, l => l.Contains("libpccl metrics endpoint listening on", StringComparison.Ordinal)
                && l.Contains($":{masterMetrics}/", StringComparison.Ordinal));
        }
        finally
        {
            foreach (var peer in peers)
            {
                peer.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_C_peer_is_ready_only_while_registered_with_a_master_and_its_status_carries_a_workers_fields()
    {
        var port = FreePort.Tcp();
        var metrics = FreePort.Tcp();
        var arguments = new[] { port.ToString(CultureInfo.InvariantCulture), "2", "hold" };
        var observed = ChildProcess.Start("peer 0", build.Program("connect"), arguments,
            new Dictionary<string, string>(Metrics(metrics)) { ["PCCL_NETWORK_P2P_PORT_RANGE"] = FreePort.P2PRange() });
        var other = ChildProcess.Start("peer 1", build.Program("connect"), arguments,
            new Dictionary<string, string> { ["PCCL_NETWORK_P2P_PORT_RANGE"] = FreePort.P2PRange() });
        ChildProcess? master = null;
        try
        {
            // no master yet: the peer retries pcclConnect while its endpoint already answers
            var before = await ProbeUntilAsync(metrics, "/readyz", r => r.Status != 0);
            Assert.Equal(503, before.Status);
            Assert.Contains("not accepted into the run yet", before.Body, StringComparison.Ordinal);
            var waiting = JsonNode.Parse((await GetAsync(metrics, "/status")).Body)!;
            Assert.Equal("worker", (string?)waiting["role"]);
            Assert.False((bool)waiting["accepted"]!);

            master = ChildProcess.Start("master", build.Program("master"), [port.ToString(CultureInfo.InvariantCulture)]);
            Assert.True(await observed.WaitForLineAsync("HOLDING", Patience), observed.Output + "\n" + other.Output + "\n" + master.Output);
            Assert.True(await other.WaitForLineAsync("HOLDING", Patience), other.Output);
            var ready = await GetAsync(metrics, "/readyz");
            Assert.Equal(200, ready.Status);
            var status = JsonNode.Parse((await GetAsync(metrics, "/status")).Body)!;
            Assert.Equal("worker", (string?)status["role"]);
            Assert.True((bool)status["accepted"]!);
            Assert.Equal(2, (int)status["global_world_size"]!);
            Assert.Equal(2, (int)status["group_world_size"]!);
            Assert.Equal(0u, (uint)status["peer_group"]!);
            Assert.True((int)status["p2p_port"]! > 0, status.ToJsonString());
            Assert.Equal($"127.0.0.1:{port}", (string?)status["master"]);
            Assert.Equal(0ul, (ulong)status["shared_state_revision"]!);
            Assert.Equal(1, (int)status["communicators"]!);
            Assert.Equal(metrics, (int)status["metrics_port"]!);
            Assert.True(status.AsObject().ContainsKey("peer_id") && status.AsObject().ContainsKey("heartbeat_rtt_ms"), status.ToJsonString());

            // the master dies: not ready again while the peer has no master (it keeps trying to reconnect)
            master.Dispose();
            master = null;
            var lost = await ProbeUntilAsync(metrics, "/readyz", r => r.Status == 503);
            Assert.Contains($"lost the master at 127.0.0.1:{port}", lost.Body, StringComparison.Ordinal);
            Assert.False((bool)JsonNode.Parse((await GetAsync(metrics, "/status")).Body)!["accepted"]!);
        }
        finally
        {
            observed.Dispose();
            other.Dispose();
            master?.Dispose();
        }
    }

    [Fact]
    public async Task Without_PCCL_METRICS_ENABLED_no_endpoint_is_served()
    {
        var port = FreePort.Tcp().ToString(CultureInfo.InvariantCulture);
        var metrics = FreePort.Tcp();
        using var master = ChildProcess.Start("master", build.Program("master"), [port],
            new Dictionary<string, string> { ["PCCL_METRICS_PORT"] = metrics.ToString(CultureInfo.InvariantCulture) });
        Assert.True(await master.WaitForLineAsync("MASTER RUNNING", Patience), master.Output);

        using var client = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync(IPAddress.Loopback, metrics, TestContext.Current.CancellationToken).AsTask());
        master.CloseInput();
        Assert.Equal(0, await master.WaitForExitAsync(Patience));
    }

    [Fact]
    public async Task A_taken_metrics_port_refuses_the_communicator_and_says_why_on_stderr()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        using var peer = ChildProcess.Start("connect", build.Program("connect"), [FreePort.Tcp().ToString(CultureInfo.InvariantCulture), "0"], Metrics(port));

        Assert.Equal(0, await peer.WaitForExitAsync(Patience));
        Assert.Contains("create 3", peer.Lines); // pcclInvalidArgument
        Assert.Contains(peer.Lines, l => l.StartsWith("stderr:", StringComparison.Ordinal) && l.Contains("pcclCreateCommunicator", StringComparison.Ordinal)
            && l.Contains("metrics.port", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_log_level_and_console_follow_the_environment()
    {
        var debug = await RunMasterAsync(new() { ["PCCL_LOG_LEVEL"] = "DEBUG" });
        var quiet = await RunMasterAsync(new() { ["PCCL_LOGGING_LEVEL"] = "WARN" });
        var byDefault = await RunMasterAsync([]);
        var toStdout = await RunMasterAsync(new() { ["PCCL_LOGGING_CONSOLE"] = "stdout" });
        var off = await RunMasterAsync(new() { ["PCCL_LOGGING_CONSOLE"] = "off" });

        Assert.Contains(Stderr(debug), l => l.Contains("[DBG]", StringComparison.Ordinal) && l.Contains("pcclCreateMaster", StringComparison.Ordinal));
        Assert.Contains(Stderr(debug), l => l.Contains("[INF]", StringComparison.Ordinal) && l.Contains("Master started", StringComparison.Ordinal));
        Assert.Empty(Stderr(quiet));
        Assert.Contains(Stderr(byDefault), l => l.Contains("[INF]", StringComparison.Ordinal) && l.Contains("Master started", StringComparison.Ordinal));
        Assert.DoesNotContain(Stderr(byDefault), l => l.Contains("[DBG]", StringComparison.Ordinal));
        Assert.Empty(Stderr(toStdout));
        Assert.Contains(toStdout, l => l.Contains("[INF]", StringComparison.Ordinal) && l.Contains("Master started", StringComparison.Ordinal));
        Assert.Empty(Stderr(off));
        Assert.DoesNotContain(off, l => l.Contains("Master started", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PCCL_LOGGING_FILE_writes_the_log_there()
    {
        var file = Path.Combine(Path.GetTempPath(), $"libpccl-{Guid.NewGuid():N}.log");
        try
        {
            var lines = await RunMasterAsync(new() { ["PCCL_LOGGING_FILE"] = file, ["PCCL_LOGGING_CONSOLE"] = "off" });

            Assert.Empty(Stderr(lines));
            Assert.Contains("Master started", await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static Dictionary<string, string> Metrics(int port) => new()
    {
        ["PCCL_METRICS_ENABLED"] = "true",
        ["PCCL_METRICS_PORT"] = port.ToString(CultureInfo.InvariantCulture),
        ["PCCL_METRICS_BIND_ADDRESS"] = "127.0.0.1",
    };

    /// <summary>Starts and stops a C master; its output lines, standard error's prefixed with "stderr: ".</summary>
    private async Task<IReadOnlyList<string>> RunMasterAsync(Dictionary<string, string> environment)
    {
        using var master = ChildProcess.Start("master", build.Program("master"), [FreePort.Tcp().ToString(CultureInfo.InvariantCulture)], environment);
        Assert.True(await master.WaitForLineAsync("MASTER RUNNING", Patience), master.Output);
        master.CloseInput();
        Assert.True(await master.WaitForExitAsync(Patience) == 0, master.Output);
        return master.Lines;
    }

    private static List<string> Stderr(IReadOnlyList<string> lines) => [.. lines.Where(l => l.StartsWith("stderr:", StringComparison.Ordinal))];

    /// <summary>Asks until <paramref name="done"/> holds (status 0: nothing answered yet); fails after <see cref="Patience"/>.</summary>
    private static async Task<(int Status, string Body)> ProbeUntilAsync(int port, string path, Func<(int Status, string Body), bool> done)
    {
        var deadline = DateTime.UtcNow + Patience;
        var last = (Status: 0, Body: "");
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await GetAsync(port, path);
            }
            catch (HttpRequestException e)
            {
                last = (0, e.Message);
            }

            if (done(last))
            {
                return last;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        throw new Xunit.Sdk.XunitException($"{path} on port {port} still answered {last.Status} {last.Body} after {Patience}");
    }

    private static async Task<(int Status, string Body)> GetAsync(int port, string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}{path}"), TestContext.Current.CancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    private static async Task<string> ScrapeAsync(int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        return await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"), TestContext.Current.CancellationToken);
    }

    /// <summary>The value of the sample of <paramref name="name"/> whose labels include <paramref name="label"/>.</summary>
    private static double Sample(string text, string name, string label)
    {
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(name + "{", StringComparison.Ordinal) && l.Contains(label, StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"no {name} sample with {label} in:\n{text}");
        return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }
}
