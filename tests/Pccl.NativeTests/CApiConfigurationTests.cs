using Pccl.IntegrationTests.Support;
using Pccl.NativeTests.Support;

namespace Pccl.NativeTests;

/// <summary>
/// A C program's communicator and master take the <c>PCCL_*</c> variables <c>pccl</c> reads (here auth and a bad
/// value), and a C peer needs no C master: <c>pccl master</c> serves it the same.
/// </summary>
public sealed class CApiConfigurationTests(NativeBuild build)
{
    [Fact]
    public async Task The_auth_secret_comes_from_the_environment_and_a_wrong_one_is_refused()
    {
        var port = FreePort.Tcp().ToString();
        var auth = new Dictionary<string, string> { ["PCCL_AUTH_ENABLED"] = "true", ["PCCL_AUTH_SECRET"] = "native-secret" };
        using var master = ChildProcess.Start("master", build.Program("master"), [port], auth);
        Assert.True(await master.WaitForLineAsync("MASTER RUNNING", TimeSpan.FromSeconds(30)), master.Output);

        var right = await ConnectAsync(port, new(auth) { ["PCCL_NETWORK_P2P_PORT_RANGE"] = FreePort.P2PRange() });
        var wrong = await ConnectAsync(port, new(auth) { ["PCCL_AUTH_SECRET"] = "guessed", ["PCCL_NETWORK_P2P_PORT_RANGE"] = FreePort.P2PRange() });
        var none = await ConnectAsync(port, new() { ["PCCL_NETWORK_P2P_PORT_RANGE"] = FreePort.P2PRange() });
        var invalid = await ConnectAsync(port, new(auth) { ["PCCL_NETWORK_HEARTBEAT_TIMEOUT_MS"] = "soon" });

        Assert.Equal(["create 0", "connect 0"], right);
        Assert.Equal(["create 0", "connect 6"], wrong); // pcclMasterConnectionFailed
        Assert.Equal(["create 0", "connect 6"], none);
        Assert.Equal(["create 3"], invalid); // pcclInvalidArgument: a bad PCCL_* value is refused, not ignored
    }

    [Fact]
    public async Task C_peers_run_against_the_pccl_master()
    {
        var port = FreePort.Tcp();
        var environment = new Dictionary<string, string> { ["PCCL_METRICS_ENABLED"] = "false" };
        using var master = ChildProcess.Start("pccl master", "dotnet", [PcclBinary.DllPath, "master", "--port", port.ToString()], environment);
        var peers = Enumerable.Range(0, 2)
            .Select(i => ChildProcess.Start($"peer {i}", build.Program("connect"), [port.ToString(), "2"],
                new Dictionary<string, string> { ["PCCL_NETWORK_P2P_PORT_RANGE"] = FreePort.P2PRange() }))
            .ToList();
        try
        {
            var exits = await Task.WhenAll(peers.Select(p => p.WaitForExitAsync(TimeSpan.FromMinutes(2))));

            var report = master.Output + "\n" + string.Join('\n', peers.Select(p => p.Output));
            Assert.True(exits.All(e => e == 0), report);
            Assert.All(peers, p => Assert.Contains("sum ok", p.Lines));
        }
        finally
        {
            foreach (var peer in peers)
            {
                peer.Dispose();
            }
        }
    }

    private async Task<IReadOnlyList<string>> ConnectAsync(string port, Dictionary<string, string> environment)
    {
        using var peer = ChildProcess.Start("connect", build.Program("connect"), [port, "0"], environment);
        var exit = await peer.WaitForExitAsync(TimeSpan.FromMinutes(1));
        Assert.True(exit == 0, peer.Output);
        return [.. peer.Lines.Where(l => !l.StartsWith("stderr:", StringComparison.Ordinal))];
    }
}
