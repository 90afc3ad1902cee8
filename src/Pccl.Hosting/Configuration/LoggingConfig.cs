using Microsoft.Extensions.Logging;
using Pccl.Hosting.Logging;

namespace Pccl.Hosting.Configuration;

/// <summary>The <c>logging</c> section.</summary>
public sealed record LoggingConfig
{
    /// <summary><c>level</c>: TRACE, DEBUG, INFO, WARN or ERROR; default INFO.</summary>
    public LogLevel Level { get; init; } = LogLevel.Information;

    /// <summary><c>file</c>: log file path, default /var/log/pccl/worker.log; null (set as null, empty or <c>none</c>) logs to the console only.</summary>
    public string? File { get; init; } = "/var/log/pccl/worker.log";

    /// <summary><c>max_size_mb</c>: size at which the log file rotates, default 100.</summary>
    public int MaxSizeMb { get; init; } = 100;

    /// <summary><c>console</c>: <c>stderr</c> (default), <c>stdout</c> (the container image's choice) or <c>off</c>.</summary>
    public LogConsole Console { get; init; } = LogConsole.StandardError;

    /// <summary>What <see cref="LoggingSetup.CreateLoggerFactory"/> takes to log as this section says.</summary>
    public LoggingSettings ToSettings() => new()
    {
        Level = Level switch
        {
            LogLevel.Trace => "TRACE",
            LogLevel.Debug => "DEBUG",
            LogLevel.Information => "INFO",
            LogLevel.Warning => "WARN",
            LogLevel.Error => "ERROR",
            LogLevel.Critical => "FATAL",
            _ => "OFF",
        },
        FilePath = File,
        MaxFileSizeBytes = LoggingSettings.MegabytesToBytes(MaxSizeMb),
        Console = Console,
    };
}
