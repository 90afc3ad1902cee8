using System.CommandLine;

namespace Pccl.Cli;

/// <summary>Options shared by several verbs.</summary>
internal static class CliOptions
{
    public static Option<string?> Config() => new("--config", "-c") { Description = "pccl_config.yaml to read (defaults < file < PCCL_* environment < flags)" };

    public static Option<string?> LogLevel() => new("--log-level") { Description = "TRACE, DEBUG, INFO, WARN or ERROR (overrides logging.level)" };

    public static Option<string?> LogFile() => new("--log-file") { Description = "log file path (logging.file); 'none' logs to the console only" };

    public static Option<int?> MetricsPort() => new("--metrics-port") { Description = "serve /metrics, /healthz, /readyz on this port (metrics.port); 0 picks a free port" };

    public static Option<bool?> Metrics() => new("--metrics") { Description = "serve the metrics endpoint (metrics.enabled)" };
}
