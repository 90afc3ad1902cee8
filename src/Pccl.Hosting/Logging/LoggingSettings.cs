namespace Pccl.Hosting.Logging;

/// <summary>How the process logs (config section <c>logging</c>).</summary>
public sealed record LoggingSettings
{
    /// <summary>The default rotation size, as in the deployment guide (logging.max_size_mb: 100).</summary>
    public const long DefaultMaxFileSizeBytes = 100L * 1024 * 1024;

    /// <summary>
    /// Minimum level (config key logging.level, overridden by PCCL_LOG_LEVEL):
    /// TRACE, DEBUG, INFO, WARN, ERROR (also FATAL/CRITICAL and OFF/NONE), case-insensitive.
    /// </summary>
    public string Level { get; init; } = "INFO";

    /// <summary>The log file (config key logging.file); null logs to no file.</summary>
    public string? FilePath { get; init; }

    /// <summary>Size at which the file rolls over to a new one (logging.max_size_mb × 1 MiB).</summary>
    public long MaxFileSizeBytes { get; init; } = DefaultMaxFileSizeBytes;

    /// <summary>How many files to keep, the current one included; older ones are deleted.</summary>
    public int RetainedFileCount { get; init; } = 5;

    /// <summary>Where console log lines go: standard error (the default), standard output, or nowhere.</summary>
    public LogConsole Console { get; init; } = LogConsole.StandardError;

    /// <summary>Converts the config value logging.max_size_mb to <see cref="MaxFileSizeBytes"/>.</summary>
    public static long MegabytesToBytes(int megabytes) => megabytes * 1024L * 1024L;
}
