using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using Pccl.Hosting.Configuration;
using Pccl.Hosting.Telemetry;
using Pccl.Tests.Configuration;
using Pccl.Tests.Security.Support;
using Prometheus;

namespace Pccl.Tests.Telemetry;

/// <summary><c>metrics.bearer_token</c> and <c>metrics.tls</c>: the monitoring endpoint answers only those who may read it.</summary>
public sealed class ProtectedEndpointTests : IClassFixture<TestCertificates>
{
    private const string Token = "s3cret-token";
    private readonly TestCertificates _pki;

    public ProtectedEndpointTests(TestCertificates pki) => _pki = pki;

    [Fact]
    public async Task MetricsAndStatusDemandTheTokenWhileProbesStayOpen()
    {
        await using var server = await StartAsync(new MonitoringServerOptions { BindAddress = "127.0.0.1", Port = 0, BearerToken = Token });
        using var http = new HttpClient();

        foreach (var path in (string[])["metrics", "status"])
        {
            using var anonymous = await GetAsync(http, server, path, token: null);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
            using var wrong = await GetAsync(http, server, path, "s3cret-tokem");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            using var prefix = await GetAsync(http, server, path, "s3cret");
            Assert.Equal(HttpStatusCode.Unauthorized, prefix.StatusCode);
            using var right = await GetAsync(http, server, path, Token);
            Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        }

        using var health = await GetAsync(http, server, "healthz", token: null);
        using var ready = await GetAsync(http, server, "readyz", token: null);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task ATokenFileWithATrailingNewlineWorksAndAnEmptyOneIsRefusedNamingTheKey()
    {
        var file = _pki.Path("metrics-token");
        await File.WriteAllTextAsync(file, Token + "\n", TestContext.Current.CancellationToken);
        await using var server = await StartAsync(new MonitoringServerOptions { BindAddress = "127.0.0.1", Port = 0, BearerTokenFile = file });
        using var http = new HttpClient();
        using var right = await GetAsync(http, server, "metrics", Token);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);

        var empty = _pki.Path("empty-token");
        await File.WriteAllTextAsync(empty, "\n", TestContext.Current.CancellationToken);
        await using var refused = new MonitoringServer(new MonitoringServerOptions { BindAddress = "127.0.0.1", Port = 0, BearerTokenFile = empty },
            Metrics.NewCustomRegistry());
        var error = await Assert.ThrowsAsync<PcclException>(() => refused.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains("metrics.bearer_token_file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithTlsTheEndpointSpeaksHttpsOnlyWithTheConfiguredCertificate()
    {
        await using var server = await StartAsync(new MonitoringServerOptions
        {
            BindAddress = "127.0.0.1", Port = 0, BearerToken = Token, TlsCertFile = _pki.ServerCert, TlsKeyFile = _pki.ServerKey,
        });
        Assert.Equal("https", server.BaseAddress.Scheme);

        using var ca = X509CertificateLoader.LoadCertificateFromFile(_pki.CaCert);
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return certificate is not null && chain.Build(certificate);
            },
        };
        using var https = new HttpClient(handler);
        using var right = await GetAsync(https, server, "metrics", Token);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        using var anonymous = await GetAsync(https, server, "metrics", token: null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        // Plain HTTP to the same port gets no metrics.
        using var plain = new HttpClient();
        var plainUri = new UriBuilder(server.BaseAddress) { Scheme = "http", Path = "metrics" }.Uri;
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => plain.GetStringAsync(plainUri, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AnUnreadableCertificateNamesTheKeys()
    {
        await using var server = new MonitoringServer(new MonitoringServerOptions
        {
            BindAddress = "127.0.0.1", Port = 0, TlsCertFile = _pki.Path("missing.crt"), TlsKeyFile = _pki.ServerKey,
        }, Metrics.NewCustomRegistry());

        var error = await Assert.ThrowsAsync<PcclException>(() => server.StartAsync(TestContext.Current.CancellationToken));

        Assert.Equal(PcclErrorCode.InvalidConfiguration, error.Code);
        Assert.Contains("metrics.tls.cert_file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheConfigurationChecksTheKeysAndNeverPrintsTheToken()
    {
        var config = ConfigHarness.Valid("metrics:\n  bearer_token: s3cret-token\n  tls:\n    enabled: true\n    cert_file: /c\n    key_file: /k\n");
        Assert.Equal(Token, config.Metrics.BearerToken);
        Assert.Equal(("/c", "/k"), (config.Metrics.Tls.CertFile, config.Metrics.Tls.KeyFile));
        Assert.DoesNotContain(Token, config.ToString(), StringComparison.Ordinal);
        var env = new Dictionary<string, string> { ["PCCL_METRICS_BEARER_TOKEN_FILE"] = "/run/secrets/token" };
        Assert.Equal("/run/secrets/token", ConfigHarness.Valid("", env).Metrics.BearerTokenFile);

        Assert.Contains("metrics.tls.key_file", ConfigHarness.OneProblem("metrics:\n  tls:\n    enabled: true\n    cert_file: /c\n"), StringComparison.Ordinal);
        Assert.Contains("metrics.bearer_token_file", ConfigHarness.OneProblem("metrics:\n  bearer_token: a\n  bearer_token_file: /t\n"), StringComparison.Ordinal);
        var (_, problems) = ConfigHarness.Evaluate("metrics:\n  bearer_token: [a]\n");
        Assert.DoesNotContain(problems, p => p.Contains("s3cret", StringComparison.Ordinal));
    }

    private static async Task<MonitoringServer> StartAsync(MonitoringServerOptions options)
    {
        var server = new MonitoringServer(options, Metrics.NewCustomRegistry());
        await server.StartAsync(TestContext.Current.CancellationToken);
        return server;
    }

    private static Task<HttpResponseMessage> GetAsync(HttpClient http, MonitoringServer server, string path, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseAddress, path));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http.SendAsync(request, TestContext.Current.CancellationToken);
    }
}
