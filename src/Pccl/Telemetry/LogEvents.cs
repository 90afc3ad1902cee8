using Microsoft.Extensions.Logging;

namespace Pccl.Telemetry;

/// <summary>
/// Every log line the library writes, as source-generated methods with stable event ids
/// (documented in docs/observability.md; never renumber one, add new ids instead).
/// Ids: 1000-1099 membership, 1100-1199 collectives and recovery, 1200-1299 shared state,
/// 1300-1399 master lifecycle.
/// </summary>
internal static partial class LogEvents
{
    /// <summary>Event ids, for filters and tests.</summary>
    public static class Ids
    {
        /// <summary>A peer was admitted to the world.</summary>
        public const int PeerJoined = 1001;

        /// <summary>A peer left the world.</summary>
        public const int PeerLeft = 1002;

        /// <summary>The master removed a peer.</summary>
        public const int PeerKicked = 1003;

        /// <summary>The ring order changed.</summary>
        public const int TopologyUpdated = 1010;

        /// <summary>A collective was aborted.</summary>
        public const int CollectiveAborted = 1101;

        /// <summary>A collective is retried after a lost peer.</summary>
        public const int Recovery = 1102;

        /// <summary>Recoveries happen often enough to suggest a misconfiguration.</summary>
        public const int FrequentRecoveries = 1103;

        /// <summary>Shared state was synchronised.</summary>
        public const int SharedStateSynced = 1201;

        /// <summary>The master is listening.</summary>
        public const int MasterStarted = 1301;

        /// <summary>The master stopped.</summary>
        public const int MasterStopped = 1302;
    }

    /// <summary>A peer was admitted to the world.</summary>
    [LoggerMessage(EventId = Ids.PeerJoined, EventName = nameof(PeerJoined), Level = LogLevel.Information,
        Message = "Peer {PeerId} joined from {Endpoint}; world size is now {WorldSize}")]
    public static partial void PeerJoined(this ILogger logger, ulong peerId, string endpoint, int worldSize);

    /// <summary>A peer left the world.</summary>
    [LoggerMessage(EventId = Ids.PeerLeft, EventName = nameof(PeerLeft), Level = LogLevel.Information,
        Message = "Peer {PeerId} left: {Reason}; world size is now {WorldSize}")]
    public static partial void PeerLeft(this ILogger logger, ulong peerId, string reason, int worldSize);

    /// <summary>The master removed a peer.</summary>
    [LoggerMessage(EventId = Ids.PeerKicked, EventName = nameof(PeerKicked), Level = LogLevel.Warning,
        Message = "Peer {PeerId} was kicked: {Reason}")]
    public static partial void PeerKicked(this ILogger logger, ulong peerId, string reason);

    /// <summary>The ring order changed.</summary>
    [LoggerMessage(EventId = Ids.TopologyUpdated, EventName = nameof(TopologyUpdated), Level = LogLevel.Information,
        Message = "Topology updated to revision {Revision}: {WorldSize} peers in the ring")]
    public static partial void TopologyUpdated(this ILogger logger, long revision, int worldSize);

    /// <summary>A collective was aborted.</summary>
    [LoggerMessage(EventId = Ids.CollectiveAborted, EventName = nameof(CollectiveAborted), Level = LogLevel.Warning,
        Message = "Collective {Tag} aborted: {Reason}")]
    public static partial void CollectiveAborted(this ILogger logger, ulong tag, string reason);

    /// <summary>A collective is retried after a lost peer.</summary>
    [LoggerMessage(EventId = Ids.Recovery, EventName = nameof(Recovery), Level = LogLevel.Warning,
        Message = "Recovering collective {Tag}: attempt {Attempt} of {MaxAttempts} with {WorldSize} peers")]
    public static partial void Recovery(this ILogger logger, ulong tag, int attempt, int maxAttempts, int worldSize);

    /// <summary>Recoveries happen often; names the configuration fix.</summary>
    [LoggerMessage(EventId = Ids.FrequentRecoveries, EventName = nameof(FrequentRecoveries), Level = LogLevel.Warning,
        Message = "{Count} recoveries in the last {WindowSeconds} s: the network is unstable or heartbeats time out too early; " +
                  "raise network.heartbeat_timeout_ms (now {HeartbeatTimeoutMs} ms) or fix the network")]
    public static partial void FrequentRecoveries(this ILogger logger, int count, double windowSeconds, int heartbeatTimeoutMs);

    /// <summary>Shared state was synchronised.</summary>
    [LoggerMessage(EventId = Ids.SharedStateSynced, EventName = nameof(SharedStateSynced), Level = LogLevel.Debug,
        Message = "Shared state synced at revision {Revision}: {Bytes} bytes transferred")]
    public static partial void SharedStateSynced(this ILogger logger, long revision, long bytes);

    /// <summary>The master is listening.</summary>
    [LoggerMessage(EventId = Ids.MasterStarted, EventName = nameof(MasterStarted), Level = LogLevel.Information,
        Message = "Master started on {Endpoint}")]
    public static partial void MasterStarted(this ILogger logger, string endpoint);

    /// <summary>The master stopped.</summary>
    [LoggerMessage(EventId = Ids.MasterStopped, EventName = nameof(MasterStopped), Level = LogLevel.Information,
        Message = "Master stopped")]
    public static partial void MasterStopped(this ILogger logger);
}
