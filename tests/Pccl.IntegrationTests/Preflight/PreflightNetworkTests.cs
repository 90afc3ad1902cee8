using System.Diagnostics;
using System.Text.Json;
using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.Preflight;

/// <summary>
/// <c>pccl preflight</c> run in a network namespace against a real master in another, over a link the test shapes, makes
/// lossy or firewalls: each fault fails its own row, with advice naming the fix.
/// </summary>
public sealed class PreflightNetworkTests
{
    private const string Secret = "preflight-test-secret-0123456789";

    [Fact]
    public async Task A_healthy_link_passes_every_row_in_under_ten_seconds()
    {
        using var net = NetworkNamespacePair.Create();
        var (report, exitCode, elapsed) = await PreflightAsync(net);

        Assert.True(report.GetProperty("ok").GetBoolean(), report.ToString());
        Assert.Equal(0, exitCode);
        Assert.Equal(["master_tcp", "master_udp", "p2p_port", "auth", "bandwidth", "rtt", "packet_loss", "jitter", "socket_buffers"],
            report.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        Assert.All(report.GetProperty("checks").EnumerateArray(), c => Assert.NotEqual("fail", c.GetProperty("status").GetString()));
        Assert.True(Row(report, "bandwidth").GetProperty("value").GetDouble() >= 100, report.ToString());
        Assert.Contains("this host -> master", Row(report, "bandwidth").GetProperty("advice").GetString()); // both directions measured
        Assert.Equal(0, Row(report, "packet_loss").GetProperty("value").GetDouble());
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"preflight took {elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task A_link_shaped_below_100_Mbit_fails_the_bandwidth_row()
    {
        using var net = NetworkNamespacePair.Create();
        net.ShapeTo(mbit: 50);
        var (report, exitCode, _) = await PreflightAsync(net);

        var bandwidth = Row(report, "bandwidth");
        Assert.Equal("fail", bandwidth.GetProperty("status").GetString());
        Assert.InRange(bandwidth.GetProperty("value").GetDouble(), 1, 100);
        Assert.Equal(100, bandwidth.GetProperty("minimum").GetDouble());
        Assert.Contains("bandwidth below", bandwidth.GetProperty("advice").GetString());
        Assert.Equal("pass", Row(report, "packet_loss").GetProperty("status").GetString());
        Assert.False(report.GetProperty("ok").GetBoolean());
        Assert.Equal(1, exitCode);
    }

    [Fact]
    public async Task A_link_shaped_below_100_Mbit_towards_the_master_only_fails_the_bandwidth_row_naming_that_direction()
    {
        using var net = NetworkNamespacePair.Create();
        net.ShapeFromPeer(mbit: 50);
        var (report, exitCode, _) = await PreflightAsync(net);

        var bandwidth = Row(report, "bandwidth");
        Assert.Equal("fail", bandwidth.GetProperty("status").GetString());
        Assert.InRange(bandwidth.GetProperty("value").GetDouble(), 1, 100);
        var advice = bandwidth.GetProperty("advice").GetString();
        Assert.Contains("lower direction: this host -> master", advice);
        Assert.Contains("bandwidth below", advice);
        Assert.Equal(1, exitCode);
    }

    [Fact]
    public async Task A_link_dropping_one_packet_in_ten_fails_the_loss_row()
    {
        using var net = NetworkNamespacePair.Create();
        net.DropOneInTen();
        var (report, exitCode, _) = await PreflightAsync(net);

        var loss = Row(report, "packet_loss");
        Assert.Equal("fail", loss.GetProperty("status").GetString());
        Assert.True(loss.GetProperty("value").GetDouble() >= 5, report.ToString());
        Assert.Contains("UDP probes lost", loss.GetProperty("advice").GetString());
        Assert.Equal(1, exitCode);
    }

    [Fact]
    public async Task Blocked_udp_7117_fails_with_the_firewall_advice()
    {
        using var net = NetworkNamespacePair.Create();
        net.BlockUdpToMaster(7117);
        var (report, exitCode, _) = await PreflightAsync(net);

        var udp = Row(report, "master_udp");
        Assert.Equal("fail", udp.GetProperty("status").GetString());
        Assert.Equal(0, udp.GetProperty("value").GetDouble());
        var advice = udp.GetProperty("advice").GetString()!;
        Assert.Contains("UDP 7117 (heartbeats) is blocked", advice);
        Assert.Contains("iptables -A INPUT -p udp --dport 7117 -j ACCEPT", advice);
        Assert.Equal("pass", Row(report, "master_tcp").GetProperty("status").GetString());
        Assert.Equal("pass", Row(report, "p2p_port").GetProperty("status").GetString());
        Assert.Equal(1, exitCode);
    }

    [Fact]
    public async Task A_wrong_secret_fails_the_auth_row_naming_auth_secret()
    {
        using var net = NetworkNamespacePair.Create();
        var (report, exitCode, _) = await PreflightAsync(net, peerSecret: "not-the-master-secret-0123456789");

        var auth = Row(report, "auth");
        Assert.Equal("fail", auth.GetProperty("status").GetString());
        Assert.Contains("auth.secret", auth.GetProperty("advice").GetString());
        Assert.Equal("pass", Row(report, "master_tcp").GetProperty("status").GetString());
        Assert.Equal(1, exitCode);
    }

    private static JsonElement Row(JsonElement report, string name) =>
        report.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    /// <summary>Starts a master (auth on) in the master namespace, runs preflight in the peer namespace with <paramref name="peerSecret"/>.</summary>
    private static async Task<(JsonElement Report, int ExitCode, TimeSpan Elapsed)> PreflightAsync(NetworkNamespacePair net, string peerSecret = Secret)
    {
        var auth = new Dictionary<string, string> { ["PCCL_AUTH_ENABLED"] = "true", ["PCCL_AUTH_SECRET"] = Secret, ["PCCL_METRICS_ENABLED"] = "false" };
        await using var master = PcclProcess.Start("master", ["master", "--host", net.MasterAddress, "--port", "7117", "--log-file", "none"], auth, net.Master);
        await PcclProcess.WaitUntilAsync(() => master.Stderr.Contains("master ready", StringComparison.Ordinal) || master.HasExited, TimeSpan.FromSeconds(30), "master ready", master);

        var clock = Stopwatch.StartNew();
        await using var preflight = PcclProcess.Start("preflight", ["preflight", "--master", $"{net.MasterAddress}:7117", "--json"],
            new Dictionary<string, string>(auth) { ["PCCL_AUTH_SECRET"] = peerSecret }, net.Peer);
        var exitCode = await preflight.WaitForExitAsync(TimeSpan.FromSeconds(60));
        var elapsed = clock.Elapsed;
        var line = preflight.StdoutLines.LastOrDefault(l => l.StartsWith('{'))
                   ?? throw new InvalidOperationException($"preflight printed no JSON (exit {exitCode}):\n{preflight.Stderr}");
        return (JsonDocument.Parse(line).RootElement.Clone(), exitCode, elapsed);
    }
}
