using Pccl.Protocol.Messages;

namespace Pccl.Operations.StateSync;

/// <summary>
/// A peer's view of its one shared-state synchronisation in flight: it waits for the master's plan, receives, and
/// waits for the master's verdict. The plan publishes this peer's source so receivers can pull from it; an abort
/// cancels whatever step the call is in at once.
/// </summary>
internal sealed class SharedStateCall(uint group, StateSource source, StateServingTable serving)
    : OperationCall<SharedStateTransferPlan, SharedStateSyncComplete>
{
    public override bool OnMessage(ControlMessage message)
    {
        switch (message.BodyCase)
        {
            case ControlMessage.BodyOneofCase.SharedStateTransferPlan when Sequence == 0:
                Sequence = message.SharedStateTransferPlan.Sequence;
                source.AdmitReceivers(message.SharedStateTransferPlan.Grants);
                serving.Publish(Sequence, source);
                SetStarted(message.SharedStateTransferPlan);
                break;
            case ControlMessage.BodyOneofCase.SharedStateSyncComplete when message.SharedStateSyncComplete.Sequence == Sequence && Sequence != 0:
                SetCompleted(message.SharedStateSyncComplete);
                break;
            case ControlMessage.BodyOneofCase.SharedStateSyncAbort
                when message.SharedStateSyncAbort.Sequence == 0 || message.SharedStateSyncAbort.Sequence == Sequence:
                Fail(FromAbort(group, message.SharedStateSyncAbort));
                break;
        }

        return true;
    }

    protected override void OnFailed() => source.Retire();

    private static PcclException FromAbort(uint group, SharedStateSyncAbort abort) => abort.Failure switch
    {
        SharedStateSyncFailure.PeerLost => new PcclException(PcclErrorCode.PeerLost,
            $"shared-state synchronisation of peer group {group} aborted: {abort.Reason}", isTransient: true) { LostPeerId = abort.LostPeerId },
        SharedStateSyncFailure.Mismatch => new PcclException(PcclErrorCode.SharedStateMismatch, abort.Reason),
        SharedStateSyncFailure.InvalidArgument => new PcclException(PcclErrorCode.InvalidArgument, abort.Reason),
        _ => new PcclException(PcclErrorCode.Aborted,
            $"shared-state synchronisation of peer group {group} aborted: {abort.Reason}; retry", isTransient: true),
    };
}
