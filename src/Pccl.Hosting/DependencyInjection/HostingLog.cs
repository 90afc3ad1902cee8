using Microsoft.Extensions.Logging;

namespace Pccl.Hosting.DependencyInjection;

/// <summary>Log events of PCCL in a generic host, with stable ids (1580-1599).</summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = 1580, Level = LogLevel.Information, Message = "Joining the PCCL run at master {MasterHost}:{MasterPort}")]
    public static partial void Joining(ILogger logger, string masterHost, int masterPort);

    [LoggerMessage(EventId = 1581, Level = LogLevel.Warning, Message = "Joining the PCCL run failed (attempt {Attempt}): {Error}; trying again in {DelayMs} ms")]
    public static partial void JoinRetry(ILogger logger, int attempt, string error, long delayMs);

    [LoggerMessage(EventId = 1582, Level = LogLevel.Error, Message = "Joining the PCCL run failed for good: {Error}")]
    public static partial void JoinFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 1583, Level = LogLevel.Information, Message = "Peer {PeerId} leaving the PCCL run: the host is stopping")]
    public static partial void Leaving(ILogger logger, ulong peerId);

    [LoggerMessage(EventId = 1584, Level = LogLevel.Information, Message = "PCCL master hosted on port {Port}")]
    public static partial void MasterHosted(ILogger logger, int port);

    [LoggerMessage(EventId = 1585, Level = LogLevel.Information, Message = "PCCL master on port {Port} stopping: the host is stopping")]
    public static partial void MasterStopping(ILogger logger, int port);
}
