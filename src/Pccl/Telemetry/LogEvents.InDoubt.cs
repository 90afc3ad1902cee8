using Microsoft.Extensions.Logging;

namespace Pccl.Telemetry;

// Operations a lost leader left in doubt (ids 1700-1719): held by peers, settled by the next leader.
internal static partial class LogEvents
{
    /// <summary>Event ids of operations in doubt.</summary>
    public static class InDoubtIds
    {
        /// <summary>A peer holds an all-reduce in doubt: it moved its data, then lost the master before the verdict.</summary>
        public const int Held = 1700;

        /// <summary>A peer heard the new leader's verdict on an all-reduce it held in doubt.</summary>
        public const int Resolved = 1701;

        /// <summary>The leader settled an all-reduce of a lost master that peers held in doubt.</summary>
        public const int Settled = 1702;
    }

    [LoggerMessage(EventId = InDoubtIds.Held, EventName = "InDoubtHeld", Level = LogLevel.Warning,
        Message = "all-reduce on tag {Tag} (sequence {Sequence}, epoch {Epoch}) moved its data but the master was lost before its verdict: " +
                  "keeping the result until the next leader settles it")]
    public static partial void InDoubtHeld(this ILogger logger, uint tag, ulong sequence, ulong epoch);

    [LoggerMessage(EventId = InDoubtIds.Resolved, EventName = "InDoubtResolved", Level = LogLevel.Warning,
        Message = "all-reduce on tag {Tag} (sequence {Sequence}, epoch {Epoch}) held in doubt is {Verdict}: {Reason}")]
    public static partial void InDoubtResolved(this ILogger logger, uint tag, ulong sequence, ulong epoch, string verdict, string reason);

    [LoggerMessage(EventId = InDoubtIds.Settled, EventName = "InDoubtSettled", Level = LogLevel.Warning,
        Message = "all-reduce of epoch {PriorEpoch} (sequence {Sequence}, tag {Tag}) left in doubt by the lost leader: {Verdict} ({Reason}); told {Told} peer(s)")]
    public static partial void InDoubtSettled(this ILogger logger, ulong priorEpoch, ulong sequence, uint tag, string verdict, string reason, int told);
}
