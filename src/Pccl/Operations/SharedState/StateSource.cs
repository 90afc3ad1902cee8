namespace Pccl.Operations.SharedState;

/// <summary>
/// What a peer serves to receivers during one synchronisation: its tensors in ordinal key order with their block
/// hashes, computed before the request was sent. The caller's buffers stay untouched until the round ends, so the
/// hashes stay true. Retiring the source ends every connection serving from it.
/// </summary>
internal sealed class StateSource : IDisposable
{
    private readonly SharedStateEntry[] _entries;
    private readonly ulong[][] _blockHashes;
    private readonly CancellationTokenSource _retired = new();
    private ulong[] _receivers = [];
    private long _bytesServed;

    /// <param name="entries">The tensors, sorted by key (ordinal).</param>
    /// <param name="blockHashes">Per tensor, the hash of each block (<see cref="TensorHasher.HashBlocks(ReadOnlyMemory{byte}, int, int)"/>).</param>
    /// <param name="blockSize">The hash block size.</param>
    public StateSource(SharedStateEntry[] entries, ulong[][] blockHashes, int blockSize)
    {
        _entries = entries;
        _blockHashes = blockHashes;
        BlockSize = blockSize;
    }

    public int BlockSize { get; }

    public int Count => _entries.Length;

    /// <summary>Bytes handed to receivers' connections so far.</summary>
    public long BytesServed => Interlocked.Read(ref _bytesServed);

    /// <summary>Cancelled when the round ends.</summary>
    public CancellationToken Retired => _retired.Token;

    /// <summary>The peers the round's plan lets pull from this source, ascending; empty until the plan arrived.</summary>
    public IReadOnlyList<ulong> Receivers => Volatile.Read(ref _receivers);

    /// <summary>Records the receivers named by the round's plan; call before the source is published.</summary>
    public void AdmitReceivers(IEnumerable<ulong> peerIds) => Volatile.Write(ref _receivers, [.. peerIds.Distinct().Order()]);

    /// <summary>True when the round's plan lets <paramref name="peerId"/> pull from this source.</summary>
    public bool Serves(ulong peerId) => Volatile.Read(ref _receivers).AsSpan().BinarySearch(peerId) >= 0;

    public ReadOnlyMemory<byte> Content(uint keyIndex) => _entries[keyIndex].Content;

    public ulong BlockHash(uint keyIndex, int block) => _blockHashes[keyIndex][block];

    public void AddServed(long bytes) => Interlocked.Add(ref _bytesServed, bytes);

    public void Retire()
    {
        try
        {
            _retired.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        Retire();
        _retired.Dispose();
    }
}
