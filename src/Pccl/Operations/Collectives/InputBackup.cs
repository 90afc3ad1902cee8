using System.Buffers;

namespace Pccl.Operations.Collectives;

/// <summary>
/// The caller's input to an in-place all-reduce, kept so a failed attempt can hand it back. Copy on write: the ring
/// saves each piece just before it first writes into it, so the copy happens inside the pipeline (and leaves the
/// piece in cache for the reduction that follows) instead of as one serial pass over the whole buffer before the
/// first byte moves; a failure restores exactly the pieces written so far.
/// </summary>
/// <remarks>Saves come from the ring's receive path only; restores run once it has stopped: <see cref="StartRestoreAllBut"/>
/// while the sender's last writes stop, <see cref="Restore"/> after. Which pieces were saved is kept in a pooled
/// array, so a warm operation allocates nothing per piece.</remarks>
internal sealed class InputBackup(Memory<byte> buffer, byte[] store, int restoreBlockBytes = BlockRestore.DefaultBlockBytes) : IDisposable
{
    /// <summary>Saved pieces by index (pooled); an empty entry was not saved, and an empty piece needs no saving.</summary>
    private PieceRef[] _saved = [];

    /// <summary>The copy <see cref="StartRestoreAllBut"/> began, until <see cref="Restore"/> finishes it.</summary>
    private BlockRestore? _early;

    /// <summary>What a ring keeps in the store instead of the buffer (<see cref="KeepApart"/>); null when none does.</summary>
    private ValuesKeptApart? _apart;

    /// <summary>The rented memory holding the saved bytes (at the same offsets as in the buffer).</summary>
    public byte[] Store { get; } = store;

    /// <summary>Bytes of the buffer saved so far: what the operation has overwritten, and a restore puts back.</summary>
    public long SavedBytes { get; private set; }

    /// <summary>Saves <paramref name="piece"/> unless it was saved already; call before anything writes into it.</summary>
    public void BeforeWrite(PieceRef piece)
    {
        if (piece.Bytes == 0)
        {
            return;
        }

        if (piece.Index >= _saved.Length)
        {
            var larger = ArrayPool<PieceRef>.Shared.Rent(Math.Max(piece.Index + 1, _saved.Length * 2));
            _saved.CopyTo(larger, 0);
            larger.AsSpan(_saved.Length).Clear();
            ReturnSaved();
            _saved = larger;
        }

        if (_saved[piece.Index].Bytes > 0)
        {
            return;
        }

        _saved[piece.Index] = piece;
        SavedBytes += piece.Bytes;
        // read again only by a restore: the store's lines need not be read in, nor displace the piece being reduced
        NonTemporalCopy.Copy(buffer.Span.Slice((int)piece.Offset, piece.Bytes), Store.AsSpan((int)piece.Offset, piece.Bytes));
    }

    /// <summary>
    /// Puts every saved piece back, on as many cores as are free (<see cref="BlockRestore"/>), with the copy
    /// <see cref="StartRestoreAllBut"/> began; the rest of the buffer was never written.
    /// </summary>
    public void Restore()
    {
        FinishEarlyRestore();
        BlockRestore.Run(_saved, buffer, Store, restoreBlockBytes);
    }

    /// <summary>
    /// Starts putting back every saved piece but <paramref name="inUse"/> on thread-pool helpers, and forgets those
    /// pieces, so that <see cref="Restore"/> copies only what the helpers have not and the rest. For a failed schedule
    /// whose receive path has stopped while a write may still be reading <paramref name="inUse"/>: the copy runs
    /// while the schedule unwinds and the lanes are retired, instead of after.
    /// </summary>
    public void StartRestoreAllBut(ReadOnlySpan<PieceRef> inUse)
    {
        FinishEarlyRestore();
        var now = new List<PieceRef>(_saved.Length);
        for (var i = 0; i < _saved.Length; i++)
        {
            if (_saved[i].Bytes > 0 && !inUse.Contains(_saved[i]))
            {
                now.Add(_saved[i]);
                _saved[i] = default;
            }
        }

        _early = BlockRestore.Start(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(now), buffer, Store, restoreBlockBytes);
    }

    /// <summary>
    /// Lets a ring of <paramref name="pieces"/> pieces keep its partial sums and its owned slice's final value in the
    /// store (<see cref="ValuesKeptApart"/>): a failure then restores only what the all-gather wrote. Once per backup.
    /// </summary>
    public ValuesKeptApart KeepApart(int pieces)
    {
        if (_apart is not null)
        {
            throw new InvalidOperationException("a backup serves one schedule; it already keeps a ring's values apart");
        }

        _apart = new ValuesKeptApart(Store, pieces);
        return _apart;
    }

    /// <summary>
    /// Writes the owned final values kept apart into the buffer, on as many cores as are free (<see cref="BlockRestore.Run"/>,
    /// which does not fail part way). Only once the operation has completed on every peer: from here on the buffer cannot
    /// be restored.
    /// </summary>
    public void PutFinalsInPlace()
    {
        if (_apart is not null)
        {
            BlockRestore.Run(_apart.OwnedFinals, buffer, Store, restoreBlockBytes);
        }
    }

    /// <summary>Returns the bookkeeping to its pool; the store is the caller's.</summary>
    public void Dispose()
    {
        FinishEarlyRestore(); // its helpers write into the buffer, which the caller unpins next
        ReturnSaved();
        _apart?.Dispose();
        _apart = null;
    }

    private void FinishEarlyRestore()
    {
        _early?.Finish();
        _early = null;
    }

    private void ReturnSaved()
    {
        if (_saved.Length > 0)
        {
            ArrayPool<PieceRef>.Shared.Return(_saved);
        }

        _saved = [];
    }
}
