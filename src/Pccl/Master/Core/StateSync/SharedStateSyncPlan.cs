using Pccl.Protocol.Messages;

namespace Pccl.Master.Core.StateSync;

/// <summary>The outcome of a successful election: the revision and content every peer ends with, and who moves what.</summary>
/// <param name="Revision">The revision every peer of the group holds afterwards.</param>
/// <param name="Tensors">The elected content per key, sorted by key (ordinal).</param>
/// <param name="Peers">What each peer must receive, sorted by peer id.</param>
internal sealed record SharedStateSyncPlan(
    ulong Revision, IReadOnlyList<ElectedTensor> Tensors, IReadOnlyList<PeerSyncAssignment> Peers)
{
    /// <summary>The assignment of <paramref name="peerId"/>.</summary>
    /// <exception cref="KeyNotFoundException">The peer took no part in the election.</exception>
    public PeerSyncAssignment For(ulong peerId)
    {
        // Peers is sorted by id: a lost peer makes the master look up every receiver's assignment, in worlds of thousands.
        var (low, high) = (0, Peers.Count - 1);
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            var id = Peers[middle].PeerId;
            if (id == peerId)
            {
                return Peers[middle];
            }

            (low, high) = id < peerId ? (middle + 1, high) : (low, middle - 1);
        }

        throw new KeyNotFoundException($"Peer {peerId} took no part in the election.");
    }

    /// <summary>True when no peer receives anything.</summary>
    public bool IsNoOp => Peers.All(p => p.Receive.Count == 0);
}

/// <summary>The elected content of one key.</summary>
/// <param name="Key">Name of the tensor.</param>
/// <param name="DataType">Element type (equal on every peer).</param>
/// <param name="ByteLength">Size in bytes (equal on every peer).</param>
/// <param name="Hash">The elected content hash; receivers verify against it.</param>
/// <param name="AllowContentInequality">True when the key took no part in the vote.</param>
/// <param name="Donors">Up-to-date, non-receive-only peers holding exactly the elected content, ascending.</param>
internal sealed record ElectedTensor(
    string Key, DataType DataType, ulong ByteLength, ulong Hash, bool AllowContentInequality, IReadOnlyList<ulong> Donors);

/// <summary>What one peer must do.</summary>
/// <param name="PeerId">The peer.</param>
/// <param name="IsOutdated">True when the peer reported a revision below the elected one.</param>
/// <param name="Receive">The dirty tensors it must fetch, sorted by key; empty when it is up to date.</param>
internal sealed record PeerSyncAssignment(ulong PeerId, bool IsOutdated, IReadOnlyList<DirtyTensor> Receive)
{
    /// <summary>Keys of the dirty tensors, sorted.</summary>
    public IEnumerable<string> DirtyKeys => Receive.Select(t => t.Key);

    /// <summary>Every peer that donates at least one of this peer's dirty tensors, ascending.</summary>
    public IReadOnlyList<ulong> Donors => [.. Receive.SelectMany(t => t.Donors).Distinct().Order()];

    /// <summary>Bytes this peer receives.</summary>
    public ulong RxBytes => Receive.Aggregate(0UL, (sum, t) => sum + t.ByteLength);
}

/// <summary>A tensor a peer must receive, with the content to expect and the peers that hold it.</summary>
/// <param name="Key">Name of the tensor.</param>
/// <param name="Hash">The elected hash the received bytes must have.</param>
/// <param name="ByteLength">Size in bytes.</param>
/// <param name="Donors">Peers holding the elected content, ascending; never empty.</param>
internal sealed record DirtyTensor(string Key, ulong Hash, ulong ByteLength, IReadOnlyList<ulong> Donors);
