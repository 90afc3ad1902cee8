using Microsoft.Extensions.Logging;

namespace Pccl.Native.Telemetry;

/// <summary>The log lines of the C layer itself (event ids 4200-4219); the library's own lines keep their ids.</summary>
internal static partial class NativeLog
{
    [LoggerMessage(EventId = 4200, Level = LogLevel.Information,
        Message = "libpccl metrics endpoint listening on {Url}metrics (metrics port {MetricsPort}; also /healthz /readyz)")]
    public static partial void MetricsListening(this ILogger logger, Uri url, int metricsPort);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Debug, Message = "pcclCreateCommunicator: master {MasterHost}:{MasterPort}, peer group {PeerGroup}")]
    public static partial void CommunicatorCreated(this ILogger logger, string masterHost, int masterPort, uint peerGroup);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Debug, Message = "pcclCreateMaster: listening address {BindAddress}:{Port}")]
    public static partial void MasterCreated(this ILogger logger, string bindAddress, int port);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Error, Message = "{Call} returns pcclInvalidArgument: {Problem}")]
    public static partial void ConfigurationRefused(this ILogger logger, string call, string problem);

    [LoggerMessage(EventId = 4204, Level = LogLevel.Debug, Message = "a call returns {Result}: {Problem}")]
    public static partial void CallFailed(this ILogger logger, string result, string problem);
}
