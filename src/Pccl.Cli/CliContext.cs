using Microsoft.Extensions.Logging;
using Pccl.Hosting.Configuration;
using Pccl.Hosting.Logging;

namespace Pccl.Cli;

/// <summary>Configuration and logging of one CLI invocation.</summary>
internal sealed class CliContext : IDisposable
{
    private CliContext(PcclConfig config, ILoggerFactory loggerFactory)
    {
        Config = config;
        LoggerFactory = loggerFactory;
    }

    public PcclConfig Config { get; }

    public ILoggerFactory LoggerFactory { get; }

    /// <summary>The config file read when <c>--config</c> is not given (the container image sets <c>/etc/pccl/pccl_config.yaml</c>).</summary>
    public const string ConfigFileVariable = "PCCL_CONFIG";

    /// <summary>The verb's own defaults for <c>pccl master</c> and <c>pccl worker</c>: their metrics endpoint is on unless configured off.</summary>
    public static IReadOnlyDictionary<string, string> ServiceDefaults { get; } = new Dictionary<string, string> { ["metrics.enabled"] = "true" };

    /// <summary>
    /// Loads the configuration (<see cref="ServiceDefaults"/> over the built-in defaults, then file, environment, flags)
    /// and sets up logging; throws <see cref="ConfigException"/> on bad input. Without a config file and with no log
    /// file asked for by flag or environment, a process run by hand logs to the console only.
    /// </summary>
    public static CliContext Create(string? configPath, IReadOnlyDictionary<string, string> flags)
    {
        var environment = ConfigLoader.ProcessEnvironment();
        configPath ??= environment.GetValueOrDefault(ConfigFileVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
        var config = ConfigLoader.Load(configPath, environment, flags, ServiceDefaults);
        var logFile = config.Logging.File;
        if (configPath is null && !flags.ContainsKey("logging.file") && !environment.ContainsKey("PCCL_LOGGING_FILE"))
        {
            logFile = null; // the seed's file default applies once configured
        }

        var factory = LoggingSetup.CreateLoggerFactory(config.Logging.ToSettings() with { FilePath = logFile });
        return new CliContext(config, factory);
    }

    public void Dispose() => LoggerFactory.Dispose();
}
