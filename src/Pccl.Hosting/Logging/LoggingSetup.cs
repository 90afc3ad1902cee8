using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;

namespace Pccl.Hosting.Logging;

/// <summary>
/// Builds the process's logging: Serilog with an optional console sink and a size-rolled file, exposed
/// as an <see cref="ILoggerFactory"/> that the library's <c>ILogger</c>s are created from.
/// </summary>
public static class LoggingSetup
{
    private const string Template =
        "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {SourceContext}: {Message:lj} {EventId}{NewLine}{Exception}";

    /// <summary>Creates the logger factory; dispose it at exit to flush the file.</summary>
    /// <exception cref="PcclException">
    /// <see cref="PcclErrorCode.InvalidConfiguration"/> for an unknown level, a non-positive size, or a log
    /// file that cannot be written (the message names the path and logging.file).
    /// </exception>
    public static ILoggerFactory CreateLoggerFactory(LoggingSettings settings)
    {
        var level = ParseLevel(settings.Level);
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .Enrich.FromLogContext();

        if (settings.Console != LogConsole.Off)
        {
            configuration.WriteTo.Console(outputTemplate: Template,
                standardErrorFromLevel: settings.Console == LogConsole.StandardError ? LogEventLevel.Verbose : null,
                formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        }

        if (!string.IsNullOrWhiteSpace(settings.FilePath))
        {
            if (settings.MaxFileSizeBytes <= 0)
            {
                throw new PcclException(PcclErrorCode.InvalidConfiguration,
                    $"logging.max_size_mb must be positive (got {settings.MaxFileSizeBytes} bytes).");
            }

            var path = EnsureWritable(settings.FilePath);
            configuration.WriteTo.File(path, outputTemplate: Template,
                formatProvider: System.Globalization.CultureInfo.InvariantCulture,
                fileSizeLimitBytes: settings.MaxFileSizeBytes, rollOnFileSizeLimit: true,
                retainedFileCountLimit: Math.Max(1, settings.RetainedFileCount));
        }

        return new SerilogLoggerFactory(configuration.CreateLogger(), dispose: true);
    }

    /// <summary>Maps TRACE/DEBUG/INFO/WARN/ERROR (and aliases) to a Serilog level.</summary>
    /// <exception cref="PcclException">The level is unknown.</exception>
    public static LogEventLevel ParseLevel(string level) => level.Trim().ToUpperInvariant() switch
    {
        "TRACE" or "VERBOSE" => LogEventLevel.Verbose,
        "DEBUG" => LogEventLevel.Debug,
        "INFO" or "INFORMATION" => LogEventLevel.Information,
        "WARN" or "WARNING" => LogEventLevel.Warning,
        "ERROR" => LogEventLevel.Error,
        "FATAL" or "CRITICAL" => LogEventLevel.Fatal,
        // Serilog has no "off"; one above Fatal lets nothing through.
        "OFF" or "NONE" => (LogEventLevel)(1 + (int)LogEventLevel.Fatal),
        _ => throw new PcclException(PcclErrorCode.InvalidConfiguration,
            $"logging.level (or PCCL_LOG_LEVEL) '{level}' is not a level; use TRACE, DEBUG, INFO, WARN or ERROR."),
    };

    // Fails early with the path and the key instead of letting the file sink swallow every write.
    private static string EnsureWritable(string filePath)
    {
        string fullPath;
        try
        {
            fullPath = Path.GetFullPath(filePath);
            var directory = Path.GetDirectoryName(fullPath);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            using var probe = new FileStream(fullPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException
                                      or System.Security.SecurityException)
        {
            throw new PcclException(PcclErrorCode.InvalidConfiguration,
                $"Cannot write the log file '{filePath}' (config key logging.file): {e.Message} " +
                "Point logging.file at a writable path or fix the directory's permissions.", innerException: e);
        }

        return fullPath;
    }
}
