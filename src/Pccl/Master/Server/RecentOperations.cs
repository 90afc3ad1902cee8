using Pccl.Protocol.Messages;

namespace Pccl.Master.Server;

/// <summary>
/// The last collective starts, completions and aborts the master sent, for <c>/status</c>. The core sends one
/// message per participant; consecutive copies of the same event are kept once. Used on the event loop only.
/// </summary>
internal sealed class RecentOperations(int capacity = RecentOperations.DefaultCapacity)
{
    /// <summary>How many events are kept by default.</summary>
    public const int DefaultCapacity = 20;

    private readonly Queue<OperationEvent> _events = new();
    private OperationEvent? _last;
    private ControlMessage? _lastMessage;

    /// <summary>Notes <paramref name="message"/> if it starts, completes or aborts a collective of <paramref name="group"/>.</summary>
    public void Note(ControlMessage message, uint group, DateTimeOffset at)
    {
        if (ReferenceEquals(message, _lastMessage))
        {
            return; // the same broadcast to the next member
        }

        _lastMessage = message;
        var e = message.BodyCase switch
        {
            ControlMessage.BodyOneofCase.CollectiveStart => new OperationEvent(at, "start", group, message.CollectiveStart.Tag,
                message.CollectiveStart.Sequence, message.CollectiveStart.Ring.Count, null),
            ControlMessage.BodyOneofCase.CollectiveComplete => new OperationEvent(at, "complete", group, message.CollectiveComplete.Tag,
                message.CollectiveComplete.Sequence, null, null),
            ControlMessage.BodyOneofCase.CollectiveAbort => new OperationEvent(at, "abort", group, message.CollectiveAbort.Tag,
                message.CollectiveAbort.Sequence, null, $"{message.CollectiveAbort.Failure}: {message.CollectiveAbort.Reason}"),
            _ => null,
        };
        if (e is null || (_last is { } last && last.SameAs(e)))
        {
            return;
        }

        _last = e;
        _events.Enqueue(e);
        while (_events.Count > capacity)
        {
            _events.Dequeue();
        }
    }

    /// <summary>The kept events, oldest first.</summary>
    public IReadOnlyList<OperationEvent> Snapshot() => [.. _events];
}

/// <summary>One collective event as <c>/status</c> shows it.</summary>
/// <param name="At">When the master sent it (UTC).</param>
/// <param name="Event"><c>start</c>, <c>complete</c> or <c>abort</c>.</param>
/// <param name="Group">The peer group.</param>
/// <param name="Tag">The operation's tag.</param>
/// <param name="Sequence">The master's sequence number (0 for an abort before the start).</param>
/// <param name="Peers">Peers in the ring (starts only).</param>
/// <param name="Reason">Why it was aborted (aborts only).</param>
internal sealed record OperationEvent(DateTimeOffset At, string Event, uint Group, uint Tag, ulong Sequence, int? Peers, string? Reason)
{
    /// <summary>The same event of the same operation, whatever the time.</summary>
    public bool SameAs(OperationEvent other) =>
        Event == other.Event && Group == other.Group && Tag == other.Tag && Sequence == other.Sequence && Reason == other.Reason;
}
