using System.Text.Json;
using Pccl.Hosting.Telemetry;

namespace Pccl.Tests.Telemetry;

/// <summary>/status produced asynchronously, as the master does by asking its event loop.</summary>
public sealed class AsyncStatusTests
{
    private sealed record Snapshot(int WorldSize);

    [Fact]
    public async Task StatusAwaitsTheAsyncDocument()
    {
        var calls = 0;
        var (status, body) = await GetStatusAsync(async ct =>
        {
            await Task.Yield();
            return new Snapshot(Interlocked.Increment(ref calls) + 2);
        });

        Assert.Equal(200, status);
        Assert.Equal(3, JsonDocument.Parse(body).RootElement.GetProperty("world_size").GetInt32());
    }

    [Fact]
    public async Task FailingAsyncDocumentIsA500NamingTheProblem()
    {
        var (status, body) = await GetStatusAsync(async ct =>
        {
            await Task.Yield();
            throw new PcclException(PcclErrorCode.InvalidState, "the master is stopped");
        });

        Assert.Equal(500, status);
        Assert.Contains("the master is stopped", body, StringComparison.Ordinal);
    }

    private static async Task<(int Status, string Body)> GetStatusAsync(Func<CancellationToken, Task<object?>> document)
    {
        var ct = TestContext.Current.CancellationToken;
        using var bridge = new PrometheusBridge();
        await using var server = new MonitoringServer(new MonitoringServerOptions { BindAddress = "127.0.0.1", Port = 0 }, bridge.Registry, null, document);
        await server.StartAsync(ct);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.GetAsync(new Uri(server.BaseAddress, "status"), ct);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
    }
}
