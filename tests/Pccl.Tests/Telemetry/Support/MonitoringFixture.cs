using Pccl.Hosting.Telemetry;

namespace Pccl.Tests.Telemetry.Support;

/// <summary>A bridge and a monitoring server on a free loopback port, plus a client for it.</summary>
internal sealed class MonitoringFixture : IAsyncDisposable
{
    private MonitoringFixture(PrometheusBridge bridge, MonitoringServer server)
    {
        Bridge = bridge;
        Server = server;
    }

    public PrometheusBridge Bridge { get; }

    public MonitoringServer Server { get; }

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public static async Task<MonitoringFixture> StartAsync(
        Func<ReadinessReport>? readiness = null, Func<object?>? status = null)
    {
        var bridge = new PrometheusBridge();
        var server = new MonitoringServer(new MonitoringServerOptions { BindAddress = "127.0.0.1", Port = 0 },
            bridge.Registry, readiness, status);
        await server.StartAsync(TestContext.Current.CancellationToken);
        return new MonitoringFixture(bridge, server);
    }

    public Task<Scrape> ScrapeAsync() =>
        Scrape.FetchAsync(Http, Server.BaseAddress, TestContext.Current.CancellationToken);

    public async Task<(int Status, string Body)> GetAsync(string path)
    {
        using var response = await Http.GetAsync(new Uri(Server.BaseAddress, path), TestContext.Current.CancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        Bridge.Dispose();
    }
}
