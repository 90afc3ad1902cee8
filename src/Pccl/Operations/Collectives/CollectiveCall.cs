using Pccl.Protocol.Messages;

namespace Pccl.Operations.Collectives;

/// <summary>
/// A peer's view of one collective in flight on a tag: it waits for the master's start, runs, and waits for the
/// master's verdict. An abort from the master cancels whatever step it is in at once.
/// </summary>
internal sealed class CollectiveCall(uint tag) : OperationCall<CollectiveStart, CollectiveComplete>
{
    private readonly TaskCompletionSource _withdrawn = new(TaskCreationOptions.RunContinuationsAsynchronously);

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
                    Fail(FromAbort(abort));
                }

                break;
        }

        return true;
    }

    /// <summary>The master is gone: the call fails with <paramref name="reason"/>, and a withdrawal waits for no answer.</summary>
    public void MasterLost(PcclException reason)
    {
        Fail(reason);
        _withdrawn.TrySetResult();
    }

    private static PcclException FromAbort(CollectiveAbort abort) => abort.Failure switch
    {
        CollectiveFailure.PeerLost => new PcclException(PcclErrorCode.PeerLost,
            $"all-reduce on tag {abort.Tag} aborted: {abort.Reason}; retry with the remaining peers", true) { LostPeerId = abort.LostPeerId },
        CollectiveFailure.Mismatch => new PcclException(PcclErrorCode.OperationMismatch, $"all-reduce on tag {abort.Tag}: {abort.Reason}"),
        CollectiveFailure.TooFewPeers => new PcclException(PcclErrorCode.TooFewPeers, $"all-reduce on tag {abort.Tag}: {abort.Reason}"),
        CollectiveFailure.GrantCancelled => new PcclException(PcclErrorCode.Aborted, $"all-reduce on tag {abort.Tag} aborted: {abort.Reason}; retry", true),
        _ => new PcclException(PcclErrorCode.PeerLost, $"all-reduce on tag {abort.Tag} aborted: {abort.Reason}; retry", true),
    };
}
