using Microsoft.Extensions.Logging;

namespace Pccl.Telemetry;

// Operations a lost leader left in doubt (ids 1700-1719): held by peers, settled by the next leader.
internal static partial class LogEvents
{
    [LoggerMessage(EventId = Ids.InDoubtHeld, EventName = nameof(InDoubtHeld), Level = LogLevel.Warning,
        Message = "all-reduce on tag {Tag} (sequence {Sequence}, epoch {Epoch}) moved its data but the master was lost before its verdict: " +
                  "keeping the result until the next leader settles it")]
    public static partial void InDoubtHeld(this ILogger logger, uint tag, ulong sequence, ulong epoch);

    [LoggerMessage(EventId = Ids.InDoubtResolved, EventName = nameof(InDoubtResolved), Level = LogLevel.Warning,
        Message = "all-reduce on tag {Tag} (sequence {Sequence}, epoch {Epoch}) held in doubt is {Verdict}: {Reason}")]
    public static partial void InDoubtResolved(this ILogger logger, uint tag, ulong sequence, ulong epoch, string verdict, string reason);

    [LoggerMessage(EventId = Ids.InDoubtSettled, EventName = nameof(InDoubtSettled), Level = LogLevel.Warning,
        Message = "all-reduce of epoch {PriorEpoch} (sequence {Sequence}, tag {Tag}) left in doubt by the lost leader: {Verdict} ({Reason}); told {Told} peer(s)")]
    public static partial void InDoubtSettled(this ILogger logger, ulong priorEpoch, ulong sequence, uint tag, string verdict, string reason, int told);
}
