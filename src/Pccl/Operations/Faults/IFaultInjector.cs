namespace Pccl.Operations.Faults;

/// <summary>
/// The library's one fault-injection seam. A <see cref="Communicator"/> that holds an injector
/// (<c>Communicator.FaultInjector</c>, internal) consults it at the named points below; without one each point costs a
/// null check. Tests and <c>pccl worker --inject-fault</c> implement it to kill, freeze or cut off a peer at a chosen
/// moment of an operation, and to observe what a failed attempt left behind. Every point has a no-op default.
/// </summary>
internal interface IFaultInjector
{
    /// <summary>An all-reduce's ring connections are up; no data has moved yet. Awaited on the operation's own path.</summary>
    ValueTask RingStartedAsync(RingFaultSite site) => ValueTask.CompletedTask;

    /// <summary>
    /// This peer has received and applied another piece of the all-reduce, which took it to <paramref name="moved"/> of
    /// <see cref="RingFaultSite.BytesToMove"/>. Awaited on the receive path after every piece, before the next read, so
    /// it must not block: the receive path may run on the socket's event thread. A striped hop applies pieces on several
    /// threads at once, so <see cref="RingFaultSite.BytesMoved"/> may already count another's piece; <paramref name="moved"/>
    /// is this piece's own count.
    /// </summary>
    ValueTask BytesMovedAsync(RingFaultSite site, long moved) => ValueTask.CompletedTask;

    /// <summary>
    /// An all-reduce attempt on <paramref name="tag"/> failed with <paramref name="failure"/>, and the buffer holds what
    /// the library restored (the original input, for an in-place call with buffer backup); a retry helper has not yet
    /// decided whether to try again.
    /// </summary>
    void AllReduceFailed(uint tag, PcclException failure) { }

    /// <summary>
    /// The failure path of the started all-reduce <paramref name="sequence"/> reached <paramref name="milestone"/>. Called
    /// on the path itself (the abort on the control link's read loop), so it must only take a timestamp.
    /// </summary>
    void FailureMilestoneReached(ulong sequence, FailureMilestone milestone) { }

    /// <summary>
    /// The failed in-place all-reduce <paramref name="sequence"/> put <paramref name="bytes"/> of its input back into the
    /// caller's buffer from the backup: what it had overwritten (0 without a backup, and for an out-of-place call, whose
    /// send buffer is copied in whole). Called once, just after <see cref="FailureMilestone.BufferRestored"/>.
    /// </summary>
    void InputRestored(ulong sequence, long bytes) { }

    /// <summary>This peer is about to send one shared-state block to a receiver; awaited before each block.</summary>
    ValueTask StateBlockSendingAsync(CancellationToken ct) => ValueTask.CompletedTask;
}
