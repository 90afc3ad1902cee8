using Microsoft.Extensions.Logging;
using Pccl.Hosting.Configuration;
using Pccl.Native.Telemetry;

namespace Pccl.Native;

/// <summary>
/// Options for what the C API creates: this library's defaults, overridden by the same <c>PCCL_*</c> environment
/// variables <c>pccl</c> reads (TLS, auth, heartbeats, fault tolerance, performance, logging, metrics), bound by the
/// CLI's own configuration code without a file; what the C call names (master address, peer group, pool size) wins
/// over both. As for <c>pccl</c> run without a config file, logging goes to the console and to a file only when
/// <c>PCCL_LOGGING_FILE</c> names one; the metrics endpoint is off unless <c>PCCL_METRICS_ENABLED</c>, as for any
/// application that embeds the library.
/// </summary>
internal static class NativeConfiguration
{
    private static readonly IReadOnlyDictionary<string, string> NoFlags = new Dictionary<string, string>();

    private static readonly IReadOnlyDictionary<string, string> Defaults = new Dictionary<string, string> { ["logging.file"] = "none" };

    /// <summary>
    /// The configuration for <paramref name="call"/>, with the process's logging and metrics endpoint set up from it;
    /// null when a <c>PCCL_*</c> variable is invalid or the endpoint cannot start, after logging what is wrong (the C
    /// result is only a code).
    /// </summary>
    public static (PcclConfig Config, ILoggerFactory Loggers)? Load(string call, PcclRole role)
    {
        try
        {
            var config = ConfigLoader.Load(null, ConfigLoader.ProcessEnvironment(), NoFlags, Defaults);
            return (config, NativeTelemetry.Start(config, role));
        }
        catch (PcclException e) when (e.Code == PcclErrorCode.InvalidConfiguration)
        {
            NativeTelemetry.Logger.ConfigurationRefused(call, e.Message);
            return null;
        }
    }
}
