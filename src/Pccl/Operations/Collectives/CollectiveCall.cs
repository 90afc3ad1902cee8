using Pccl.Protocol.Messages;

namespace Pccl.Operations.Collectives;

/// <summary>
/// A peer's view of one collective in flight on a tag: it waits for the master's start, runs, and waits for the
/// master's verdict. An abort from the master cancels whatever step it is in at once.
/// </summary>
/// <param name="tag">The operation's tag.</param>
/// <param name="peerId">This peer, to tell an abort its own report caused from one with another cause.</param>
internal sealed class CollectiveCall(uint tag, ulong peerId) : OperationCall<CollectiveStart, CollectiveComplete>
{
    private readonly TaskCompletionSource _withdrawn = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<PcclException?> _groupFailure = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public uint Tag { get; } = tag;

    /// <summary>Hears that this peer moved the operation's data; returns the operation held in doubt, or null when it must not be held.</summary>
    public Func<CollectiveStart, InDoubtOperation?>? OnDataMoved { get; init; }

    /// <summary>The schedule that moved the data, once it has (<see cref="MarkDataMoved"/>).</summary>
    public (IAllReduceSchedule Schedule, AllReduceAlgorithm Algorithm)? Moved { get; private set; }

    /// <summary>Set once the data moved: what a lost master leaves for the next leader to settle.</summary>
    public InDoubtOperation? InDoubt { get; private set; }

    /// <summary>Called before this peer reports done: from here on, a lost master leaves the operation in doubt.</summary>
    public void MarkDataMoved(IAllReduceSchedule schedule, AllReduceAlgorithm algorithm)
    {
        Moved = (schedule, algorithm);
        InDoubt = OnDataMoved?.Invoke(Started.Result);
    }

    /// <summary>
    /// Completes when the master answers this call's withdrawal (it holds no init of the call any more), or when the
    /// master is lost (nothing is left there to withdraw from).
    /// </summary>
    public Task Withdrawn => _withdrawn.Task;

    /// <summary>
    /// Completes with the master's reason for aborting this started call, which every participant hears, even one
    /// that failed first: a neighbour closing its connection is often the effect of that neighbour's abort, whose
    /// reason names the cause. The kick when the master removed this peer instead. Null when this peer's own report
    /// caused the abort, or when the master is lost.
    /// </summary>
    public Task<PcclException?> GroupFailure => _groupFailure.Task;

    /// <summary>False for a start that came after the call had failed, which the caller must refuse.</summary>
    public override bool OnMessage(ControlMessage message)
    {
        switch (message.BodyCase)
        {
            case ControlMessage.BodyOneofCase.CollectiveStart:
                Sequence = message.CollectiveStart.Sequence;
                if (!SetStarted(message.CollectiveStart))
                {
                    return false;
                }

                break;
            case ControlMessage.BodyOneofCase.CollectiveWithdrawn:
                _withdrawn.TrySetResult();
                break;
            case ControlMessage.BodyOneofCase.CollectiveComplete when message.CollectiveComplete.Sequence == Sequence:
                SetCompleted(message.CollectiveComplete);
                break;
            case ControlMessage.BodyOneofCase.CollectiveAbort:
                var abort = message.CollectiveAbort;
                if (abort.Sequence == 0 || abort.Sequence == Sequence)
                {
                    var reason = FromAbort(abort, Failure);
                    Fail(reason);
                    _groupFailure.TrySetResult(abort.FailedBy == peerId ? null : reason);
                }

                break;
        }

        return true;
    }

    /// <summary>The master is gone or removed this peer: the call fails with <paramref name="reason"/>, and a withdrawal waits for no answer.</summary>
    public void MasterLost(PcclException reason)
    {
        Fail(reason);
        _withdrawn.TrySetResult();
        // a kick is the master's verdict on this peer; a silent master says nothing about the operation
        _groupFailure.TrySetResult(reason.Code == PcclErrorCode.Kicked ? reason : null);
    }

    /// <param name="abort">The master's abort.</param>
    /// <param name="seenHere">What this peer had failed with already, if anything: kept as the inner exception.</param>
    private static PcclException FromAbort(CollectiveAbort abort, PcclException? seenHere) => abort.Failure switch
    {
        CollectiveFailure.PeerLost => new PcclException(PcclErrorCode.PeerLost,
            $"all-reduce on tag {abort.Tag} aborted: {abort.Reason}; retry with the remaining peers", true, seenHere) { LostPeerId = abort.LostPeerId },
        CollectiveFailure.Mismatch => new PcclException(PcclErrorCode.OperationMismatch, $"all-reduce on tag {abort.Tag}: {abort.Reason}", false, seenHere),
        CollectiveFailure.TooFewPeers => new PcclException(PcclErrorCode.TooFewPeers, $"all-reduce on tag {abort.Tag}: {abort.Reason}", false, seenHere),
        CollectiveFailure.GrantCancelled => new PcclException(PcclErrorCode.Aborted, $"all-reduce on tag {abort.Tag} aborted: {abort.Reason}; retry", true, seenHere),
        _ => new PcclException(PcclErrorCode.PeerLost, $"all-reduce on tag {abort.Tag} aborted: {abort.Reason}; retry", true, seenHere),
    };
}
