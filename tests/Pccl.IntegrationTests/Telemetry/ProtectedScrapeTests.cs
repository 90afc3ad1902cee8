using Pccl.Hosting.Telemetry;
using Pccl.IntegrationTests.Support;
using Pccl.Telemetry;
using Pccl.Tests.Security.Support;

namespace Pccl.IntegrationTests.Telemetry;

/// <summary>
/// A real Prometheus against the monitoring endpoint with <c>metrics.bearer_token_file</c> and <c>metrics.tls</c>: the
/// job configured with the token and the CA scrapes it; the same scrape without the token is refused.
/// </summary>
[Collection(PcclMeterCollection.Name)]
public sealed class ProtectedScrapeTests
{
    [Fact]
    public async Task PrometheusWithTheTokenScrapesAndWithoutItIsRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pki = new TestCertificates();
        var tokenFile = pki.Path("metrics-token");
        await File.WriteAllTextAsync(tokenFile, Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + "\n", ct);
        using var bridge = new PrometheusBridge();
        await using var monitoring = new MonitoringServer(new MonitoringServerOptions
        {
            BindAddress = "127.0.0.1", Port = 0, BearerTokenFile = tokenFile, TlsCertFile = pki.ServerCert, TlsKeyFile = pki.ServerKey,
        }, bridge.Registry);
        await monitoring.StartAsync(ct);
        using var peer = new PcclInstruments(MetricRole.Peer);
        peer.SetPeerCount(5);
        string[] target = [$"127.0.0.1:{monitoring.Port}"];

        await using var prometheus = await PrometheusServer.StartWithJobsAsync(
        [
            new ScrapeJob("pccl", target, CaFile: pki.CaCert, TokenFile: tokenFile),
            new ScrapeJob("anonymous", target, CaFile: pki.CaCert),
        ], ct);

        var timeout = TimeSpan.FromSeconds(60);
        Assert.Equal(1, await prometheus.WaitForValueAsync("up{job=\"pccl\"}", v => v == 1, timeout, ct));
        Assert.Equal(5, await prometheus.WaitForValueAsync("pccl_peer_count{job=\"pccl\"}", v => v == 5, timeout, ct));
        Assert.Equal(0, await prometheus.WaitForValueAsync("up{job=\"anonymous\"}", v => v == 0, timeout, ct));
        Assert.Null(await prometheus.QueryScalarAsync("pccl_peer_count{job=\"anonymous\"}", ct));

        // What Prometheus says about the refused job: the endpoint's 401.
        var targets = await prometheus.TargetsAsync(ct);
        Assert.Contains("401", targets, StringComparison.Ordinal);
    }
}
