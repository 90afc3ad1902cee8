using Pccl.Protocol.Messages;

namespace Pccl.Operations.SharedState;

/// <summary>
/// A peer's view of its one shared-state synchronisation in flight: it waits for the master's plan, receives, and
/// waits for the master's verdict. The plan publishes this peer's source so receivers can pull from it; an abort
/// cancels whatever step the call is in at once.
/// </summary>
internal sealed class SharedStateCall(uint group, StateSource source, StateServingTable serving) : IDisposable
{
    private readonly TaskCompletionSource<SharedStateTransferPlan> _planned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<SharedStateSyncComplete> _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _aborted = new();
    private PcclException? _failure;

    /// <summary>The round's sequence once the plan arrived; 0 before.</summary>
    public ulong Sequence { get; private set; }

    public CancellationToken Aborted => _aborted.Token;

    /// <summary>The first reason this call failed for, from the master or the peer itself.</summary>
    public PcclException? Failure => Volatile.Read(ref _failure);

    public Task<SharedStateTransferPlan> Planned => _planned.Task;

    public Task<SharedStateSyncComplete> Completed => _completed.Task;

    /// <summary>Handles a master message; called on the control link's read loop, in order.</summary>
    public void OnMessage(ControlMessage message)
    {
        switch (message.BodyCase)
        {
            case ControlMessage.BodyOneofCase.SharedStateTransferPlan when Sequence == 0:
                Sequence = message.SharedStateTransferPlan.Sequence;
                source.AdmitReceivers(message.SharedStateTransferPlan.ReceiverIds);
                serving.Publish(Sequence, source);
                _planned.TrySetResult(message.SharedStateTransferPlan);
                break;
            case ControlMessage.BodyOneofCase.SharedStateSyncComplete when message.SharedStateSyncComplete.Sequence == Sequence && Sequence != 0:
                _completed.TrySetResult(message.SharedStateSyncComplete);
                break;
            case ControlMessage.BodyOneofCase.SharedStateSyncAbort
                when message.SharedStateSyncAbort.Sequence == 0 || message.SharedStateSyncAbort.Sequence == Sequence:
                Fail(FromAbort(group, message.SharedStateSyncAbort));
                break;
        }
    }

    public void Fail(PcclException reason)
    {
        if (Interlocked.CompareExchange(ref _failure, reason, null) is not null)
        {
            return;
        }

        _planned.TrySetException(reason);
        _completed.TrySetException(reason);
        _ = _planned.Task.Exception; // the caller may be past one of them; nobody else will observe it
        _ = _completed.Task.Exception;
        try
        {
            _aborted.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        source.Retire();
    }

    private static PcclException FromAbort(uint group, SharedStateSyncAbort abort) => abort.Failure switch
    {
        SharedStateSyncFailure.PeerLost => new PcclException(PcclErrorCode.PeerLost,
            $"shared-state synchronisation of peer group {group} aborted: {abort.Reason}", isTransient: true) { LostPeerId = abort.LostPeerId },
        SharedStateSyncFailure.Mismatch => new PcclException(PcclErrorCode.SharedStateMismatch, abort.Reason),
        SharedStateSyncFailure.InvalidArgument => new PcclException(PcclErrorCode.InvalidArgument, abort.Reason),
        _ => new PcclException(PcclErrorCode.Aborted,
            $"shared-state synchronisation of peer group {group} aborted: {abort.Reason}; retry", isTransient: true),
    };

    public void Dispose() => _aborted.Dispose();
}
