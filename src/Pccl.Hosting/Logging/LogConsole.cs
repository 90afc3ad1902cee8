namespace Pccl.Hosting.Logging;

/// <summary>Where console log lines go (config key <c>logging.console</c>).</summary>
public enum LogConsole
{
    /// <summary><c>stderr</c>: standard error, so standard output stays for a command's own output (the default).</summary>
    StandardError,

    /// <summary><c>stdout</c>: standard output, where container runtimes and log collectors expect a service's logs.</summary>
    StandardOutput,

    /// <summary><c>off</c>: no console logging (the log file only).</summary>
    Off,
}
