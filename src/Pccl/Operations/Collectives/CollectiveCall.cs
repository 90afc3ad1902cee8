using Pccl.Protocol.Messages;

namespace Pccl.Operations.Collectives;

/// <summary>
/// A peer's view of one collective in flight on a tag: it waits for the master's start, runs, and waits for the
/// master's verdict. An abort from the master cancels whatever step it is in at once.
/// </summary>
internal sealed class CollectiveCall(uint tag) : IDisposable
{
    private readonly TaskCompletionSource<CollectiveStart> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _withdrawn = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _aborted = new();

    public uint Tag { get; } = tag;

    public ulong Sequence { get; private set; }

    public CancellationToken Aborted => _aborted.Token;

    /// <summary>The first reason this call failed for, from the master or the peer itself.</summary>
    public PcclException? Failure { get; private set; }

    public Task<CollectiveStart> Started => _started.Task;

    private int _failureReported;

    /// <summary>True the first time only: the master hears of this peer's failure once.</summary>
    public bool MarkFailureReported() => Interlocked.Exchange(ref _failureReported, 1) == 0;

    public Task Completed => _completed.Task;

    /// <summary>
    /// Completes when the master answers this call's withdrawal (it holds no init of the call any more), or when the
    /// master is lost (nothing is left there to withdraw from).
    /// </summary>
    public Task Withdrawn => _withdrawn.Task;

    /// <summary>Takes a message of the master's for this call; false for a start that came after the call had failed, which the caller must refuse.</summary>
    public bool OnMessage(ControlMessage message)
    {
        switch (message.BodyCase)
        {
            case ControlMessage.BodyOneofCase.CollectiveStart:
                if (!_started.TrySetResult(message.CollectiveStart))
                {
                    return false;
                }

                Sequence = message.CollectiveStart.Sequence;
                break;
            case ControlMessage.BodyOneofCase.CollectiveWithdrawn:
                _withdrawn.TrySetResult();
                break;
            case ControlMessage.BodyOneofCase.CollectiveComplete when message.CollectiveComplete.Sequence == Sequence:
                _completed.TrySetResult();
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

    public void Fail(PcclException reason)
    {
        if (Failure is not null)
        {
            return;
        }

        Failure = reason;
        _started.TrySetException(reason);
        _completed.TrySetException(reason);
        try
        {
            _aborted.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static PcclException FromAbort(CollectiveAbort abort) => abort.Failure switch
    {
        CollectiveFailure.PeerLost => new PcclException(PcclErrorCode.PeerLost,
            $"all-reduce on tag {abort.Tag} aborted: {abort.Reason}; retry with the remaining peers", true) { LostPeerId = abort.LostPeerId },
        CollectiveFailure.Mismatch => new PcclException(PcclErrorCode.OperationMismatch, $"all-reduce on tag {abort.Tag}: {abort.Reason}"),
        CollectiveFailure.TooFewPeers => new PcclException(PcclErrorCode.TooFewPeers, $"all-reduce on tag {abort.Tag}: {abort.Reason}"),
        _ => new PcclException(PcclErrorCode.PeerLost, $"all-reduce on tag {abort.Tag} aborted: {abort.Reason}; retry", true),
    };

    public void Dispose() => _aborted.Dispose();
}
