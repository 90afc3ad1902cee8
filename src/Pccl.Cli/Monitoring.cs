using Pccl.Hosting.Telemetry;

namespace Pccl.Cli;

/// <summary>The metrics and health endpoint of a CLI process, when <c>metrics.enabled</c>.</summary>
internal sealed class Monitoring : IAsyncDisposable
{
    private readonly PrometheusBridge? _bridge;
    private readonly MonitoringServer? _server;

    private Monitoring(PrometheusBridge? bridge, MonitoringServer? server)
    {
        _bridge = bridge;
        _server = server;
    }

    public int? Port => _server?.Port;

    public static async Task<Monitoring> StartAsync(CliContext context, Func<bool> ready, CancellationToken ct, Func<object?>? status = null)
    {
        if (!context.Config.Metrics.Enabled)
        {
            return new Monitoring(null, null);
        }

        var bridge = new PrometheusBridge();
        var server = new MonitoringServer(
            new MonitoringServerOptions { BindAddress = context.Config.Metrics.BindAddress, Port = context.Config.Metrics.Port },
            bridge.Registry,
            () => ready() ? ReadinessReport.Ready : ReadinessReport.NotReady("not accepted into the run yet"),
            status);
        try
        {
            await server.StartAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            bridge.Dispose();
            throw;
        }

        return new Monitoring(bridge, server);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }

        _bridge?.Dispose();
    }
}
