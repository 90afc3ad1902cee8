using System.Buffers;

namespace Pccl.Operations.Collectives;

/// <summary>
/// What a ring keeps in the backup's store, at each piece's own offset, instead of the caller's buffer, so that a
/// failure has less to restore: the reduce-scatter's partial sums, which never belong in the buffer, and the slice
/// this peer owns, whose final value goes into the buffer only once the operation has completed
/// (<see cref="InputBackup.PutFinalsInPlace"/>). Until then the caller's buffer is written only by the all-gather.
/// </summary>
/// <remarks>
/// <para>A partial sum is held only until the piece's final value arrives in the all-gather; by then the successor
/// has received the sum (the final depends on it), and <see cref="InputBackup.BeforeWrite"/> takes the slot for the
/// piece's input. An owned piece is never written by the all-gather (no peer sends a slice back to its owner), so its
/// slot holds the final from the reduce-scatter's last step to the completion.</para>
/// <para>Written by the receive path (striped hops: several threads, distinct pieces), read by the senders after the
/// piece is posted (the post orders the two) and by <see cref="InputBackup.PutFinalsInPlace"/> after the schedule has
/// ended. Which pieces hold what is kept in a pooled array, so a warm operation allocates nothing per piece.</para>
/// </remarks>
internal sealed class ValuesKeptApart : IDisposable
{
    private readonly Memory<byte> _store;
    private readonly int _pieces;
    private bool[] _partial;
    private PieceRef[] _finals;

    /// <param name="store">The backup's store: as large as the buffer, pieces at the buffer's offsets.</param>
    /// <param name="pieces">How many pieces the operation's layout has.</param>
    public ValuesKeptApart(Memory<byte> store, int pieces)
    {
        _store = store;
        _pieces = pieces;
        _partial = ArrayPool<bool>.Shared.Rent(pieces);
        _partial.AsSpan(0, pieces).Clear();
        _finals = ArrayPool<PieceRef>.Shared.Rent(pieces);
        _finals.AsSpan(0, pieces).Clear();
    }

    /// <summary>The slot a reduce-scatter hop reduces a piece into: its partial sum, or with <paramref name="ownerFinal"/> the owned slice's final value.</summary>
    public Span<byte> Into(PieceRef piece, bool ownerFinal)
    {
        if (ownerFinal)
        {
            _finals[piece.Index] = piece;
        }
        else
        {
            _partial[piece.Index] = true;
        }

        return Slot(piece).Span;
    }

    /// <summary>
    /// The value <paramref name="phase"/> sends for a piece when it is kept here (a partial sum in the reduce-scatter,
    /// the owned final in the all-gather), or the empty memory when the buffer holds it.
    /// </summary>
    public ReadOnlyMemory<byte> Of(RingPhase phase, PieceRef piece) =>
        (phase == RingPhase.ReduceScatter ? _partial[piece.Index] : _finals[piece.Index].Bytes > 0) ? Slot(piece) : ReadOnlyMemory<byte>.Empty;

    /// <summary>The owned pieces whose final value is kept here, by index; an empty entry holds none.</summary>
    public ReadOnlySpan<PieceRef> OwnedFinals => _finals.AsSpan(0, _pieces);

    public void Dispose()
    {
        ArrayPool<bool>.Shared.Return(_partial);
        ArrayPool<PieceRef>.Shared.Return(_finals);
        _partial = [];
        _finals = [];
    }

    private Memory<byte> Slot(PieceRef piece) => _store.Slice((int)piece.Offset, piece.Bytes);
}
