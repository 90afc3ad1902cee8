using Pccl.Protocol.Messages;

namespace Pccl.Operations.Collectives;

/// <summary>
/// An all-reduce whose data this peer moved and whose verdict it has not heard: if the master is lost now, the caller
/// keeps its result and waits for the next leader's <see cref="CollectiveResolved"/> instead of failing at once.
/// </summary>
internal sealed class InDoubtOperation(ulong epoch, CollectiveStart start)
{
    private readonly TaskCompletionSource<CollectiveResolved> _verdict = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The epoch of the master that started it.</summary>
    public ulong Epoch { get; } = epoch;

    public uint Tag { get; } = start.Tag;

    public ulong Sequence { get; } = start.Sequence;

    /// <summary>The ring of its start: every participant's id under that master.</summary>
    public IReadOnlyList<ulong> Participants { get; } = [.. start.Ring];

    /// <summary>The next leader's verdict; fails when no leader takes this peer back.</summary>
    public Task<CollectiveResolved> Verdict => _verdict.Task;

    public void Resolve(CollectiveResolved verdict) => _verdict.TrySetResult(verdict);

    public void Fail(PcclException reason)
    {
        _verdict.TrySetException(reason);
        _ = _verdict.Task.Exception; // nobody may be waiting any more
    }
}
