using Microsoft.Extensions.Logging;

namespace Pccl.Master.Leadership;

/// <summary>Log lines of the leader lease (event ids 1420-1429).</summary>
internal static partial class LeadershipLog
{
    [LoggerMessage(EventId = 1420, EventName = nameof(LeadershipWon), Level = LogLevel.Information,
        Message = "This master leads the cluster as {Address} in epoch {Epoch} (master.store {Store})")]
    public static partial void LeadershipWon(this ILogger logger, string address, ulong epoch, string store);

    [LoggerMessage(EventId = 1421, EventName = nameof(LeadershipLost), Level = LogLevel.Warning,
        Message = "This master stopped serving epoch {Epoch} and is a standby now: {Reason}")]
    public static partial void LeadershipLost(this ILogger logger, ulong epoch, string reason);

    [LoggerMessage(EventId = 1422, EventName = nameof(LeaseAttemptFailed), Level = LogLevel.Warning,
        Message = "Could not reach master.store {Store} to take or renew the leader lease: {Reason}")]
    public static partial void LeaseAttemptFailed(this ILogger logger, string store, string reason);

    [LoggerMessage(EventId = 1423, EventName = nameof(StandingBy), Level = LogLevel.Information,
        Message = "This master is a standby; the leader is {Leader}")]
    public static partial void StandingBy(this ILogger logger, string leader);

    [LoggerMessage(EventId = 1424, EventName = nameof(RevisionNotRecorded), Level = LogLevel.Warning,
        Message = "Could not record revision {Revision} of peer group {Group} in master.store {Store}: {Reason}")]
    public static partial void RevisionNotRecorded(this ILogger logger, uint group, ulong revision, string store, string reason);
}
