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
            ServerOptions(context.Config.Metrics, role),
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

    /// <summary>
    /// An unset <c>metrics.port</c> means the role's default: the master's fixed 9090, or the first free port of the
    /// workers' range, so that a master and many workers share a host with no configuration.
    /// </summary>
    private static MonitoringServerOptions ServerOptions(MetricsConfig metrics, PcclRole role)
    {
        var options = new MonitoringServerOptions
        {
            BindAddress = metrics.BindAddress,
            BearerToken = metrics.BearerToken,
            BearerTokenFile = metrics.BearerTokenFile,
            TlsCertFile = metrics.Tls.Enabled ? metrics.Tls.CertFile : null,
            TlsKeyFile = metrics.Tls.Enabled ? metrics.Tls.KeyFile : null,
        };
        return (metrics.Port, role) switch
        {
            ({ } port, _) => options with { Port = port },
            (null, PcclRole.Master) => options with { Port = MetricsConfig.MasterDefaultPort },
            (null, _) => options with { Ports = MetricsConfig.WorkerDefaultPorts },
        };
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
