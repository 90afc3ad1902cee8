using Microsoft.Extensions.Logging;
using Pccl.Hosting.Configuration;
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

    /// <summary>Starts the endpoint when <c>metrics.enabled</c> and logs the URL it bound (the port differs from the configured one for 0).</summary>
    public static async Task<Monitoring> StartAsync(CliContext context, PcclRole role, Func<ReadinessReport> readiness, Func<CancellationToken, Task<object?>> status,
        ILogger logger, CancellationToken ct)
    {
        if (!context.Config.Metrics.Enabled)
        {
            return new Monitoring(null, null);
        }

        var bridge = new PrometheusBridge();
        var server = new MonitoringServer(
            context.Config.Metrics.ToServerOptions(role),
            bridge.Registry,
            readiness,
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

        logger.MetricsListening(server.BaseAddress, server.Port);
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
