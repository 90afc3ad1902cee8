namespace Pccl.Operations.Collectives;

/// <summary>What the caller of an all-reduce sees when its peer's part failed.</summary>
internal static class AllReduceFailures
{
    /// <summary>Why this peer's part of <paramref name="call"/> failed: the master's reason, the caller's cancellation, or <paramref name="e"/>.</summary>
    public static PcclException Of(CollectiveCall call, Exception e, ulong peerId, CancellationToken ct) => call.Failure ?? (ct.IsCancellationRequested
        ? OperationFailure.CancelledBy(peerId, "all-reduce")
        : From(e));

    /// <summary>Any protocol violation on the ring is a neighbour's bad data: transient, as a lost neighbour is.</summary>
    public static PcclException From(Exception e) => e is PcclException { Code: PcclErrorCode.ProtocolViolation } p
        ? new PcclException(PcclErrorCode.PeerLost, $"ring neighbour sent bad data: {p.Message}; retry", true, p)
        : OperationFailure.From(e, "all-reduce", "a ring neighbour's connection");

    /// <summary>With buffer backup off a failed in-place all-reduce leaves partial sums behind; the error must say so.</summary>
    public static PcclException BufferUndefined(PcclException failure) => new(failure.Code,
        $"{failure.Message}; the buffer's content is undefined because buffer backup is off (fault_tolerance.enable_buffer_backup): refill it before a retry",
        failure.IsTransient, failure) { LostPeerId = failure.LostPeerId };
}
