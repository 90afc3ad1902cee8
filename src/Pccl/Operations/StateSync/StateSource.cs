using Pccl.Protocol.Messages;

namespace Pccl.Operations.StateSync;

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
    private Dictionary<ulong, HashSet<uint>> _grants = [];
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
    public IReadOnlyList<ulong> Receivers => [.. Volatile.Read(ref _grants).Keys.Order()];

    /// <summary>
    /// Records what the round's plan lets each receiver pull from this source (keys this source does not hold grant
    /// nothing); call before the source is published.
    /// </summary>
    public void AdmitReceivers(IEnumerable<SharedStateGrant> grants)
    {
        var indexByKey = _entries.Select((e, i) => (e.Key, Index: (uint)i)).ToDictionary(p => p.Key, p => p.Index, StringComparer.Ordinal);
        var byReceiver = new Dictionary<ulong, HashSet<uint>>();
        foreach (var grant in grants)
        {
            if (!byReceiver.TryGetValue(grant.ReceiverId, out var keys))
            {
                byReceiver[grant.ReceiverId] = keys = [];
            }

            keys.UnionWith(grant.Keys.Where(indexByKey.ContainsKey).Select(k => indexByKey[k]));
        }

        Volatile.Write(ref _grants, byReceiver);
    }

    /// <summary>True when the round's plan lets <paramref name="peerId"/> pull from this source.</summary>
    public bool Serves(ulong peerId) => Volatile.Read(ref _grants).ContainsKey(peerId);

    /// <summary>True when the round's plan lets <paramref name="peerId"/> pull the tensor at <paramref name="keyIndex"/>.</summary>
    public bool Grants(ulong peerId, uint keyIndex) => Volatile.Read(ref _grants).TryGetValue(peerId, out var keys) && keys.Contains(keyIndex);

    /// <summary>The key of the tensor at <paramref name="keyIndex"/>.</summary>
    public string Key(uint keyIndex) => _entries[keyIndex].Key;

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
