namespace Pccl.Operations.Faults;

/// <summary>
/// One all-reduce as an <see cref="IFaultInjector"/> sees it: its number, how far this peer's data has moved, and a
/// way to cut this peer's ring connections. Made only when an injector is set.
/// </summary>
/// <param name="injector">Told of every piece through <see cref="IFaultInjector.BytesMovedAsync"/>.</param>
/// <param name="sequence">The master's number for the operation.</param>
/// <param name="bytesToMove">Buffer bytes this peer receives and applies over the whole operation.</param>
/// <param name="breakRingLinks">Closes every ring connection of this peer.</param>
internal sealed class RingFaultSite(IFaultInjector injector, ulong sequence, long bytesToMove, Func<ValueTask> breakRingLinks)
{
    private readonly Action? _streamCutter;

    public ulong Sequence { get; } = sequence;

    /// <summary>Buffer bytes (not wire bytes: quantization and compression do not change it) this peer receives and applies in the operation.</summary>
    public long BytesToMove { get; } = bytesToMove;

    /// <summary>How many connections (stripes) this peer sends the operation on to its successor.</summary>
    public int Stripes { get; init; } = 1;

    private long _bytesMoved;

    /// <summary>Buffer bytes received and applied so far.</summary>
    public long BytesMoved => Interlocked.Read(ref _bytesMoved);

    /// <summary>
    /// Closes every ring connection of this peer while its master connection stays up, as a cut p2p link would: the
    /// operations using them fail on both sides of each link. Valid after the operation too (idle links).
    /// </summary>
    public ValueTask BreakRingLinksAsync() => breakRingLinks();

    /// <summary>
    /// Cuts one connection this operation sends on (its last stripe) while its other stripes and the master connection
    /// stay up, as one failed stream of a striped lane would.
    /// </summary>
    public void CutOneStream() => _streamCutter?.Invoke();

    /// <summary>What <see cref="CutOneStream"/> does; set by the schedule that knows the operation's stripes.</summary>
    internal Action? StreamCutter { init => _streamCutter = value; }

    /// <summary>The schedule failed on its own (a link broke or carried bad data), not by an abort or the caller.</summary>
    internal void LinkBroken() => injector.FailureMilestoneReached(Sequence, FailureMilestone.LinkBroken);

    /// <summary>Counts one received piece and tells the injector; called by the receive paths (a hierarchy runs several rings at once).</summary>
    internal ValueTask MovedAsync(int pieceBytes)
    {
        return injector.BytesMovedAsync(this, Interlocked.Add(ref _bytesMoved, pieceBytes));
    }
}
