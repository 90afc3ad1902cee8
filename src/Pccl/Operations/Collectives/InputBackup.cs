namespace Pccl.Operations.Collectives;

/// <summary>
/// The caller's input to an in-place all-reduce, kept so a failed attempt can hand it back. Copy on write: the ring
/// saves each piece just before it first writes into it, so the copy happens inside the pipeline (and leaves the
/// piece in cache for the reduction that follows) instead of as one serial pass over the whole buffer before the
/// first byte moves; a failure restores exactly the pieces written so far.
/// </summary>
/// <remarks>Saves come from the ring's receive path only; <see cref="Restore"/> runs after the ring has stopped.</remarks>
internal sealed class InputBackup(Memory<byte> buffer, byte[] store)
{
    private readonly List<PieceRef> _saved = [];
    private bool[] _isSaved = [];

    /// <summary>The rented memory holding the saved bytes (at the same offsets as in the buffer).</summary>
    public byte[] Store { get; } = store;

    /// <summary>Saves <paramref name="piece"/> unless it was saved already; call before anything writes into it.</summary>
    public void BeforeWrite(PieceRef piece)
    {
        if (piece.Index >= _isSaved.Length)
        {
            Array.Resize(ref _isSaved, Math.Max(piece.Index + 1, _isSaved.Length * 2));
        }

        if (_isSaved[piece.Index])
        {
            return;
        }

        _isSaved[piece.Index] = true;
        _saved.Add(piece);
        buffer.Span.Slice((int)piece.Offset, piece.Bytes).CopyTo(Store.AsSpan((int)piece.Offset, piece.Bytes));
    }

    /// <summary>Puts every saved piece back; the rest of the buffer was never written.</summary>
    public void Restore()
    {
        foreach (var piece in _saved)
        {
            Store.AsSpan((int)piece.Offset, piece.Bytes).CopyTo(buffer.Span.Slice((int)piece.Offset, piece.Bytes));
        }
    }
}
