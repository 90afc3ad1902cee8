namespace Pccl.Operations.Collectives;

/// <summary>
/// Copies a backup's saved pieces back into the buffer (<see cref="NonTemporalCopy"/>) in blocks that the calling thread and thread-pool helpers claim
/// one at a time, so a large restore uses every core that is free at that moment. The calling thread copies from the
/// start: a helper the pool schedules late finds every block claimed and copies nothing, so the restore never waits
/// for a thread to start, only for the blocks already being copied.
/// </summary>
internal sealed class BlockRestore
{
    /// <summary>The unit a thread claims: large enough that the claim costs nothing beside the copy.</summary>
    public const int DefaultBlockBytes = 1 << 20;

    /// <summary>At most this many threads copy at once, the caller included (memory bandwidth stops growing before).</summary>
    private const int MaxThreads = 4;

    private readonly Memory<byte> _buffer;
    private readonly byte[] _store;
    private readonly (long Offset, int Bytes)[] _blocks;
    private readonly object _gate = new(); // Monitor.Wait/PulseAll, which System.Threading.Lock has not
    private int _claimed = -1;
    private int _copied;

    private BlockRestore(Memory<byte> buffer, byte[] store, (long Offset, int Bytes)[] blocks)
    {
        _buffer = buffer;
        _store = store;
        _blocks = blocks;
    }

    /// <summary>
    /// Copies every non-empty piece of <paramref name="pieces"/> from <paramref name="store"/> to the same offsets of
    /// <paramref name="buffer"/>; returns when all of it is copied. It does not stop part way: without memory for its
    /// block list this thread copies everything itself, and helpers that cannot be queued leave their blocks to it.
    /// </summary>
    public static void Run(ReadOnlySpan<PieceRef> pieces, Memory<byte> buffer, byte[] store, int blockBytes = DefaultBlockBytes)
    {
        BlockRestore restore;
        try
        {
            restore = Start(pieces, buffer, store, blockBytes, callerJoins: true);
        }
        catch (OutOfMemoryException)
        {
            foreach (var piece in pieces)
            {
                NonTemporalCopy.Copy(store.AsSpan((int)piece.Offset, piece.Bytes), buffer.Span.Slice((int)piece.Offset, piece.Bytes));
            }

            return;
        }

        restore.Finish();
    }

    /// <summary>
    /// Starts the copy on thread-pool helpers only and returns at once; <see cref="Finish"/> copies what they have not
    /// claimed yet and waits for the rest. Nothing else may touch those bytes of the buffer until it returns.
    /// </summary>
    public static BlockRestore Start(ReadOnlySpan<PieceRef> pieces, Memory<byte> buffer, byte[] store, int blockBytes = DefaultBlockBytes) =>
        Start(pieces, buffer, store, blockBytes, callerJoins: false);

    private static BlockRestore Start(ReadOnlySpan<PieceRef> pieces, Memory<byte> buffer, byte[] store, int blockBytes, bool callerJoins)
    {
        var blocks = Cut(pieces, blockBytes);
        var threads = Math.Min(Math.Min(Environment.ProcessorCount, MaxThreads), blocks.Length);
        var helpers = callerJoins ? threads - 1 : Math.Max(1, threads - 1);
        var restore = new BlockRestore(buffer, store, blocks);
        for (var i = 0; i < helpers && blocks.Length > 0; i++)
        {
            try
            {
                ThreadPool.UnsafeQueueUserWorkItem(static r => r.CopyClaimedBlocks(), restore, preferLocal: false);
            }
            catch (OutOfMemoryException)
            {
                break; // Finish copies whatever no helper claimed
            }
        }

        return restore;
    }

    /// <summary>Copies the blocks no helper has claimed yet on this thread, then waits for those being copied.</summary>
    public void Finish()
    {
        CopyClaimedBlocks();
        WaitForAll();
    }

    private static (long Offset, int Bytes)[] Cut(ReadOnlySpan<PieceRef> pieces, int blockBytes)
    {
        var count = 0;
        foreach (var piece in pieces)
        {
            count += (piece.Bytes + blockBytes - 1) / blockBytes;
        }

        var blocks = new (long Offset, int Bytes)[count];
        var next = 0;
        foreach (var piece in pieces)
        {
            for (var done = 0; done < piece.Bytes; done += blockBytes)
            {
                blocks[next++] = (piece.Offset + done, Math.Min(blockBytes, piece.Bytes - done));
            }
        }

        return blocks;
    }

    private void CopyClaimedBlocks()
    {
        int index;
        while ((index = Interlocked.Increment(ref _claimed)) < _blocks.Length)
        {
            var (offset, bytes) = _blocks[index];
            NonTemporalCopy.Copy(_store.AsSpan((int)offset, bytes), _buffer.Span.Slice((int)offset, bytes));
            if (Interlocked.Increment(ref _copied) == _blocks.Length)
            {
                lock (_gate)
                {
                    Monitor.PulseAll(_gate);
                }
            }
        }
    }

    private void WaitForAll()
    {
        lock (_gate)
        {
            while (Volatile.Read(ref _copied) < _blocks.Length)
            {
                Monitor.Wait(_gate);
            }
        }
    }
}
