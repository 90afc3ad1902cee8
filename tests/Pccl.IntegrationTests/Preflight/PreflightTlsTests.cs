using System.Globalization;
using System.Text.Json;
using Pccl.IntegrationTests.Support;
using Pccl.Tests.Security.Support;

namespace Pccl.IntegrationTests.Preflight;

/// <summary>
/// <c>pccl preflight</c> against a real master with <c>network.tls</c> on (mutual TLS with certificates openssl makes for
/// the test): a host with the cluster's certificates passes every row over TLS, and a host whose TLS setting differs
/// from the master's fails the <c>auth</c> row naming <c>network.tls.enabled</c>.
/// </summary>
public sealed class PreflightTlsTests : IDisposable
{
    private readonly TestCertificates _pki = new();

    [Fact]
    public async Task Preflight_over_tls_passes_every_row()
    {
        var (report, exitCode) = await PreflightAsync(Tls("server"), Tls("client"));

        Assert.True(report.GetProperty("ok").GetBoolean(), report.ToString());
        Assert.Equal(0, exitCode);
        Assert.All(report.GetProperty("checks").EnumerateArray(), c => Assert.NotEqual("fail", c.GetProperty("status").GetString()));
        var auth = Row(report, "auth");
        Assert.Equal("pass", auth.GetProperty("status").GetString());
        Assert.Contains("network.tls.enabled: true", auth.GetProperty("advice").GetString());
        Assert.Equal("pass", Row(report, "master_udp").GetProperty("status").GetString());
        Assert.True(Row(report, "bandwidth").GetProperty("value").GetDouble() > 0, report.ToString());
    }

    [Fact]
    public async Task Preflight_with_tls_off_against_a_tls_master_fails_the_auth_row_naming_the_setting()
    {
        var (report, exitCode) = await PreflightAsync(Tls("server"), new Dictionary<string, string> { ["PCCL_NETWORK_TLS_ENABLED"] = "false" });

        var auth = Row(report, "auth");
        Assert.Equal("fail", auth.GetProperty("status").GetString());
        Assert.Contains("TLS required: the client sent a plaintext PCCL hello; set network.tls.enabled: true", auth.GetProperty("advice").GetString());
        Assert.Equal("pass", Row(report, "master_tcp").GetProperty("status").GetString());
        Assert.False(report.GetProperty("ok").GetBoolean());
        Assert.Equal(1, exitCode);
    }

    [Fact]
    public async Task Preflight_with_tls_on_against_a_plaintext_master_fails_the_auth_row_naming_the_setting()
    {
        var (report, exitCode) = await PreflightAsync(new Dictionary<string, string>(), Tls("client"));

        var auth = Row(report, "auth");
        Assert.Equal("fail", auth.GetProperty("status").GetString());
        var advice = auth.GetProperty("advice").GetString();
        Assert.Contains("TLS handshake with the server failed: the server is not speaking TLS", advice);
        Assert.Contains("set network.tls.enabled: true on it", advice);
        Assert.Equal("pass", Row(report, "master_tcp").GetProperty("status").GetString());
        Assert.Equal(1, exitCode);
    }

    public void Dispose() => _pki.Dispose();

    private Dictionary<string, string> Tls(string name) => new()
    {
        ["PCCL_NETWORK_TLS_ENABLED"] = "true",
        ["PCCL_NETWORK_TLS_CERT_FILE"] = _pki.Path(name + ".crt"),
        ["PCCL_NETWORK_TLS_KEY_FILE"] = _pki.Path(name + ".key"),
        ["PCCL_NETWORK_TLS_CA_FILE"] = _pki.CaCert,
    };

    private static JsonElement Row(JsonElement report, string name) =>
        report.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    /// <summary>Starts a master with <paramref name="masterTls"/> on a free loopback port and runs preflight against it with <paramref name="peerTls"/>.</summary>
    private static async Task<(JsonElement Report, int ExitCode)> PreflightAsync(Dictionary<string, string> masterTls, Dictionary<string, string> peerTls)
    {
        var port = FreePort.Tcp();
        await using var master = await PcclProcess.StartMasterAsync(port, masterTls);
        Assert.False(master.HasExited, master.Stderr);

        var environment = new Dictionary<string, string>(peerTls)
        {
            ["PCCL_NETWORK_P2P_PORT_RANGE"] = FreePort.P2PRange(),
            ["PCCL_NETWORK_BIND_ADDRESS"] = "127.0.0.1",
        };
        await using var preflight = PcclProcess.Start("preflight",
            ["preflight", "--master", "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture), "--json"], environment);
        var exitCode = await preflight.WaitForExitAsync(TimeSpan.FromSeconds(60));
        var line = preflight.StdoutLines.LastOrDefault(l => l.StartsWith('{'))
                   ?? throw new InvalidOperationException($"preflight printed no JSON (exit {exitCode}):\n{preflight.Stderr}\nmaster:\n{master.Stderr}");
        return (JsonDocument.Parse(line).RootElement.Clone(), exitCode);
    }
}
