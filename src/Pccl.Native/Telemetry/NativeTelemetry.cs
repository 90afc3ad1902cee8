using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Pccl.Hosting.Configuration;
using Pccl.Hosting.Logging;
using Pccl.Hosting.Telemetry;

namespace Pccl.Native.Telemetry;

/// <summary>
/// The process's logging and Prometheus endpoint as the <c>PCCL_*</c> variables say (<c>logging.*</c>,
/// <c>metrics.*</c>). The first communicator or master created with a valid configuration sets them up; they stay for
/// the life of the process, like the .NET runtime inside <c>libpccl.so</c>, and serve every communicator and master of
/// the process (the variables are read from .NET's copy of the environment, which does not change).
/// </summary>
internal static class NativeTelemetry
{
    /// <summary>The category of the C layer's own lines.</summary>
    public const string Category = "Pccl.Native";

    private static readonly Lock s_lock = new();
    private static readonly Lazy<ILoggerFactory> s_beforeConfiguration = new(() => LoggingSetup.CreateLoggerFactory(new LoggingSettings()));
    private static ILoggerFactory? s_loggers;
    private static MonitoringServer? s_endpoint;

    /// <summary>The process's loggers; before any configuration was accepted, <c>pccl</c>'s defaults (INFO on standard error).</summary>
    public static ILoggerFactory Loggers => Volatile.Read(ref s_loggers) ?? s_beforeConfiguration.Value;

    /// <summary>The C layer's logger.</summary>
    public static ILogger Logger => Loggers.CreateLogger(Category);

    /// <summary>
    /// Sets up logging from <paramref name="config"/> once, and starts the metrics endpoint when <c>metrics.enabled</c>
    /// and none runs yet; an unset <c>metrics.port</c> takes <paramref name="role"/>'s default, as in <c>pccl</c>.
    /// </summary>
    /// <exception cref="PcclException">
    /// <see cref="PcclErrorCode.InvalidConfiguration"/>: the log file cannot be written, or the metrics port is taken
    /// (the message names the key).
    /// </exception>
    public static ILoggerFactory Start(PcclConfig config, PcclRole role)
    {
        lock (s_lock)
        {
            if (s_loggers is null)
            {
                Volatile.Write(ref s_loggers, LoggingSetup.CreateLoggerFactory(config.Logging.ToSettings()));
            }

            if (config.Metrics.Enabled && s_endpoint is null)
            {
                StartEndpoint(config.Metrics.ToServerOptions(role), role);
            }

            return s_loggers;
        }
    }

    private static void StartEndpoint(MonitoringServerOptions options, PcclRole role)
    {
        var bridge = new PrometheusBridge();
        // a process whose first creation was a master answers as a master (ready once it runs); one that began with a
        // communicator answers as a worker, for its communicators
        var endpoint = role == PcclRole.Master
            ? new MonitoringServer(options, bridge.Registry, readiness: null, _ => Task.FromResult<JsonNode?>(new JsonObject { ["role"] = "master" }))
            : new MonitoringServer(options, bridge.Registry, ProcessPeers.Readiness, _ => Task.FromResult<JsonNode?>(ProcessPeers.Status()));
        try
        {
            endpoint.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
        catch
        {
            endpoint.DisposeAsync().AsTask().GetAwaiter().GetResult();
            bridge.Dispose();
            throw;
        }

        s_endpoint = endpoint; // the bridge's listener forwards the meters for as long as the process lives
        Logger.MetricsListening(endpoint.BaseAddress, endpoint.Port);
    }
}
