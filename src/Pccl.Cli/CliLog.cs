using Microsoft.Extensions.Logging;

namespace Pccl.Cli;

/// <summary>
/// The <c>pccl</c> tool's own log lines (command progress and the reference training loop), as source-generated
/// methods; ids 2000-2099 commands, 2100-2199 the training workload. The library's events are <c>Pccl.Telemetry.LogEvents</c>.
/// </summary>
internal static partial class CliLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "master ready on port {Port}; stop with Ctrl+C or SIGTERM")]
    public static partial void MasterReady(this ILogger logger, int port);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "shutting down")]
    public static partial void ShuttingDown(this ILogger logger);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "master {Masters} not reachable yet (attempt {Attempt}): {Reason}")]
    public static partial void MasterNotReachable(this ILogger logger, string masters, int attempt, string reason);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning,
        Message = "{Variable}={Value} is set in the environment and ignored: pccl worker injects no fault unless started with --inject-fault")]
    public static partial void FaultVariableIgnored(this ILogger logger, string variable, string value);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "connecting to master {Masters}")]
    public static partial void Connecting(this ILogger logger, string masters);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "stopping")]
    public static partial void Stopping(this ILogger logger);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning,
        Message = "{Reason}; reconnecting for up to {Seconds:0} s (fault_tolerance.master_reconnect_timeout_ms)")]
    public static partial void Reconnecting(this ILogger logger, string reason, double seconds);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Information,
        Message = "metrics endpoint listening on {Url}metrics (metrics port {MetricsPort}; also /healthz /readyz /status)")]
    public static partial void MetricsListening(this ILogger logger, Uri url, int metricsPort);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Information, Message = "peer {PeerId} joined (p2p port {P2PPort})")]
    public static partial void Joined(this ILogger logger, ulong peerId, int p2pPort);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "topology updated; world size {World}")]
    public static partial void TopologyUpdated(this ILogger logger, int world);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "topology update failed, will vote again: {Reason}")]
    public static partial void TopologyUpdateFailed(this ILogger logger, string reason);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning, Message = "shared-state sync failed ({Code}), will retry: {Reason}")]
    public static partial void SyncFailed(this ILogger logger, PcclErrorCode code, string reason);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Warning, Message = "step {Step} not completed ({Code}): {Reason}; waiting for peers")]
    public static partial void StepNotCompleted(this ILogger logger, int step, PcclErrorCode code, string reason);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Information, Message = "step {Step}: world {World}, all-reduce {Ms:0.0} ms, hash {Hash}")]
    public static partial void StepCompleted(this ILogger logger, int step, int world, double ms, string hash);

    [LoggerMessage(EventId = 2106, Level = LogLevel.Information, Message = "resumed from the checkpoint of revision {Revision}")]
    public static partial void Resumed(this ILogger logger, ulong revision);

    [LoggerMessage(EventId = 2107, Level = LogLevel.Information, Message = "checkpoint of revision {Revision} written to {Path}")]
    public static partial void CheckpointWritten(this ILogger logger, ulong revision, string path);
}
