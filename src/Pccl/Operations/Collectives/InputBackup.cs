using System.Buffers;

namespace Pccl.Operations.Collectives;

/// <summary>
/// The caller's input to an in-place all-reduce, kept so a failed attempt can hand it back. Copy on write: the ring
/// saves each piece just before it first writes into it, so the copy happens inside the pipeline (and leaves the
/// piece in cache for the reduction that follows) instead of as one serial pass over the whole buffer before the
/// first byte moves; a failure restores exactly the pieces written so far.
/// </summary>
/// <remarks>Saves come from the ring's receive path only; <see cref="Restore"/> runs after the ring has stopped. Which
/// pieces were saved is kept in pooled arrays, so a warm operation allocates nothing per piece.</remarks>
internal sealed class InputBackup(Memory<byte> buffer, byte[] store) : IDisposable
{
    private PieceRef[] _saved = [];
    private int _savedCount;
    private bool[] _isSaved = [];

    /// <summary>The rented memory holding the saved bytes (at the same offsets as in the buffer).</summary>
    public byte[] Store { get; } = store;

    /// <summary>Saves <paramref name="piece"/> unless it was saved already; call before anything writes into it.</summary>
    public void BeforeWrite(PieceRef piece)
    {
        if (piece.Index >= _isSaved.Length)
        {
            Grow(ref _isSaved, piece.Index + 1, clear: true);
        }

        if (_isSaved[piece.Index])
        {
            return;
        }

        _isSaved[piece.Index] = true;
        if (_savedCount == _saved.Length)
        {
            Grow(ref _saved, _savedCount + 1, clear: false);
        }

        _saved[_savedCount++] = piece;
        buffer.Span.Slice((int)piece.Offset, piece.Bytes).CopyTo(Store.AsSpan((int)piece.Offset, piece.Bytes));
    }

    /// <summary>Puts every saved piece back; the rest of the buffer was never written.</summary>
    public void Restore()
    {
        foreach (var piece in _saved.AsSpan(0, _savedCount))
        {
            Store.AsSpan((int)piece.Offset, piece.Bytes).CopyTo(buffer.Span.Slice((int)piece.Offset, piece.Bytes));
        }
    }

    public void Dispose()
    {
        Release(ref _saved);
        Release(ref _isSaved);
        _savedCount = 0;
    }

    private static void Grow<T>(ref T[] array, int atLeast, bool clear)
    {
        var larger = ArrayPool<T>.Shared.Rent(Math.Max(atLeast, array.Length * 2));
        array.AsSpan().CopyTo(larger);
        if (clear)
        {
            larger.AsSpan(array.Length).Clear();
        }

        Release(ref array);
        array = larger;
    }

    private static void Release<T>(ref T[] array)
    {
        if (array.Length > 0)
        {
            ArrayPool<T>.Shared.Return(array);
        }

        array = [];
    }
}
