using System.Buffers;

namespace Pccl.Operations.Collectives;

/// <summary>
/// Where a ring's reduce-scatter keeps the partial sums it forwards when the caller's input is backed up: in the
/// backup's store, at each piece's own offset, so that the caller's buffer is written only by final values and a
/// failure during the reduce-scatter has nothing of it to restore. A slot holds a partial sum only until the piece's
/// final value arrives in the all-gather; by then the successor has received the sum (the final depends on it), and
/// <see cref="InputBackup.BeforeWrite"/> takes the slot for the piece's input.
/// </summary>
/// <remarks>Written by the receive path, read by the senders after the piece is posted (the post orders the two).
/// Which pieces hold a sum is kept in a pooled array, so a warm operation allocates nothing per piece.</remarks>
internal sealed class PartialSums : IDisposable
{
    private readonly Memory<byte> _store;
    private bool[] _held;

    /// <param name="store">The backup's store: as large as the buffer, pieces at the buffer's offsets.</param>
    /// <param name="pieces">How many pieces the operation's layout has.</param>
    public PartialSums(Memory<byte> store, int pieces)
    {
        _store = store;
        _held = ArrayPool<bool>.Shared.Rent(pieces);
        _held.AsSpan(0, pieces).Clear();
    }

    /// <summary>The slot a piece's partial sum is reduced into; the piece then holds a partial sum.</summary>
    public Span<byte> Into(PieceRef piece)
    {
        _held[piece.Index] = true;
        return _store.Span.Slice((int)piece.Offset, piece.Bytes);
    }

    /// <summary>The piece's partial sum, or the empty memory when it holds none (its value is the caller's input).</summary>
    public ReadOnlyMemory<byte> Of(PieceRef piece) =>
        _held[piece.Index] ? _store.Slice((int)piece.Offset, piece.Bytes) : ReadOnlyMemory<byte>.Empty;

    public void Dispose()
    {
        ArrayPool<bool>.Shared.Return(_held);
        _held = [];
    }
}
