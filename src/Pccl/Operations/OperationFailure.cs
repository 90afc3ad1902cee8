namespace Pccl.Operations;

/// <summary>
/// What a caller sees when its peer's part of an operation stopped: the one mapping the all-reduce and the shared-state
/// synchronisation share. Each names itself in the messages; what counts as bad data from a peer stays with each.
/// </summary>
internal static class OperationFailure
{
    /// <summary>Maps <paramref name="e"/> to the error of <paramref name="operation"/> ("all-reduce"), whose peer-to-peer link is <paramref name="connection"/>.</summary>
    public static PcclException From(Exception e, string operation, string connection) => e switch
    {
        PcclException p => p,
        IOException or EndOfStreamException or ObjectDisposedException => new PcclException(PcclErrorCode.PeerLost,
            $"{connection} broke ({e.Message}); retry with the remaining peers", true, e),
        OperationCanceledException => new PcclException(PcclErrorCode.Aborted, $"the {operation} was cancelled", true, e),
        _ => new PcclException(PcclErrorCode.Unknown, e.Message, false, e),
    };

    /// <summary>The error of an <paramref name="operation"/> its caller on peer <paramref name="peerId"/> cancelled.</summary>
    public static PcclException CancelledBy(ulong peerId, string operation) =>
        new(PcclErrorCode.Aborted, $"peer {peerId} cancelled the {operation}", true);
}
