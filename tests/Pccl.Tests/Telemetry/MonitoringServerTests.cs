using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Pccl.Hosting.Telemetry;
using Pccl.Tests.Telemetry.Support;
using Prometheus;

namespace Pccl.Tests.Telemetry;

public sealed class MonitoringServerTests
{
    private sealed record PeerStatus(ulong PeerId, int WorldSize, string State);

    [Fact]
    public async Task HealthzAnswersOk()
    {
        await using var monitoring = await MonitoringFixture.StartAsync();

        var (status, body) = await monitoring.GetAsync("healthz");

        Assert.Equal(200, status);
        Assert.Equal("ok", body.Trim());
    }

    [Fact]
    public async Task ReadyzFollowsTheReadinessDelegate()
    {
        var ready = false;
        await using var monitoring = await MonitoringFixture.StartAsync(
            readiness: () => Volatile.Read(ref ready) ? ReadinessReport.Ready : ReadinessReport.NotReady("waiting for the master"));

        var before = await monitoring.GetAsync("readyz");
        Volatile.Write(ref ready, true);
        var after = await monitoring.GetAsync("readyz");

        Assert.Equal(503, before.Status);
        Assert.Contains("waiting for the master", before.Body);
        Assert.Equal(200, after.Status);
    }

    [Fact]
    public async Task ReadyzReportsAThrowingDelegateAsNotReady()
    {
        await using var monitoring = await MonitoringFixture.StartAsync(readiness: () => throw new InvalidOperationException("boom"));

        var (status, body) = await monitoring.GetAsync("readyz");

        Assert.Equal(503, status);
        Assert.Contains("boom", body);
    }

    [Fact]
    public async Task StatusServesTheDelegatesDocumentAsSnakeCaseJson()
    {
        var worldSize = 2;
        await using var monitoring = await MonitoringFixture.StartAsync(
            status: () => new PeerStatus(7, Volatile.Read(ref worldSize), "running"));

        var first = await monitoring.GetAsync("status");
        Volatile.Write(ref worldSize, 3);
        var second = await monitoring.GetAsync("status");

        Assert.Equal(200, first.Status);
        using var doc = JsonDocument.Parse(first.Body);
        Assert.Equal(7UL, doc.RootElement.GetProperty("peer_id").GetUInt64());
        Assert.Equal(2, doc.RootElement.GetProperty("world_size").GetInt32());
        Assert.Equal("running", doc.RootElement.GetProperty("state").GetString());
        using var doc2 = JsonDocument.Parse(second.Body);
        Assert.Equal(3, doc2.RootElement.GetProperty("world_size").GetInt32());
    }

    [Fact]
    public async Task UnknownPathIs404AndPostIs405()
    {
        await using var monitoring = await MonitoringFixture.StartAsync();

        var (status, _) = await monitoring.GetAsync("nope");
        using var post = await monitoring.Http.PostAsync(new Uri(monitoring.Server.BaseAddress, "metrics"), null,
            TestContext.Current.CancellationToken);

        Assert.Equal(404, status);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }

    [Fact]
    public async Task PortInUseFailsWithThePortAndTheConfigKey()
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((IPEndPoint)occupant.LocalEndpoint).Port;
        await using var server = new MonitoringServer(new MonitoringServerOptions { BindAddress = "127.0.0.1", Port = port },
            Metrics.NewCustomRegistry());

        var error = await Assert.ThrowsAsync<PcclException>(() => server.StartAsync(TestContext.Current.CancellationToken));

        Assert.Equal(PcclErrorCode.InvalidConfiguration, error.Code);
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
        Assert.Contains("metrics.port", error.Message);
        Assert.Contains("in use", error.Message);
    }

    [Fact]
    public async Task InvalidBindAddressNamesTheConfigKey()
    {
        await using var server = new MonitoringServer(new MonitoringServerOptions { BindAddress = "not-an-ip", Port = 0 },
            Metrics.NewCustomRegistry());

        var error = await Assert.ThrowsAsync<PcclException>(() => server.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("metrics.bind_address", error.Message);
    }

    [Fact]
    public async Task BindsOnlyTheConfiguredAddressAndReleasesThePortOnStop()
    {
        var server = new MonitoringServer(new MonitoringServerOptions { BindAddress = "127.0.0.1", Port = 0 },
            Metrics.NewCustomRegistry());
        await server.StartAsync(TestContext.Current.CancellationToken);
        var port = server.Port;

        Assert.NotEqual(0, port);
        Assert.Equal("127.0.0.1", server.BaseAddress.Host);
        await server.StopAsync(TestContext.Current.CancellationToken);

        using var again = new TcpListener(IPAddress.Loopback, port);
        again.Start();
        await server.DisposeAsync();
    }

    [Fact]
    public void DefaultsMatchTheDeploymentGuide()
    {
        var options = new MonitoringServerOptions();

        Assert.Equal(9090, options.Port);
        Assert.Equal("0.0.0.0", options.BindAddress);
    }
}
