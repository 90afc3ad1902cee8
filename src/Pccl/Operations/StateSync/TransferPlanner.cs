namespace Pccl.Operations.StateSync;

/// <summary>
/// Splits the dirty tensors a receiver must fetch into block ranges over their donors, balancing bytes per
/// donor across all tensors (within one block), and moves the unfinished ranges of lost donors to the
/// remaining ones. Each donor gets at most one contiguous range per tensor. Pure: same input, same plan.
/// </summary>
internal sealed class TransferPlanner
{
    private readonly int _blockSize;

    /// <summary>Creates a planner over blocks of <paramref name="blockSize"/> bytes (the hash block size).</summary>
    public TransferPlanner(int blockSize = TensorHasher.DefaultBlockSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        _blockSize = blockSize;
    }

    /// <summary>The ranges that fetch every tensor of <paramref name="tensors"/>, in tensor order then offset.</summary>
    /// <exception cref="ArgumentException">A tensor has no donor or a negative length.</exception>
    public IReadOnlyList<BlockRange> Plan(IReadOnlyList<TensorTransfer> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var loads = new Dictionary<ulong, long>();
        var ranges = new List<BlockRange>();
        foreach (var tensor in tensors)
        {
            if (tensor.Donors.Count == 0)
                throw new ArgumentException($"Tensor '{tensor.Key}' has no donor.", nameof(tensors));
            ArgumentOutOfRangeException.ThrowIfNegative(tensor.ByteLength);
            Split(tensor.Key, 0, TensorHasher.BlockCount(tensor.ByteLength, _blockSize), tensor.ByteLength, tensor.Donors, loads, ranges);
        }
        return ranges;
    }

    /// <summary>
    /// Moves every range of <paramref name="unfinished"/> whose donor is in <paramref name="lostDonors"/> to the
    /// remaining donors of its tensor, balanced against what those donors still have to send. Ranges of live
    /// donors are kept as they are.
    /// </summary>
    /// <param name="unfinished">The ranges not yet received (a partly received range trimmed to its missing blocks).</param>
    /// <param name="lostDonors">Every donor lost so far.</param>
    /// <param name="tensors">The tensors of the plan, for their donor lists.</param>
    /// <returns>The new unfinished ranges, live donors' first, then the reassigned ones in input order.</returns>
    /// <exception cref="PcclException">No remaining donor holds a tensor (<see cref="PcclErrorCode.PeerLost"/>, transient).</exception>
    public IReadOnlyList<BlockRange> Reassign(
        IReadOnlyList<BlockRange> unfinished, IReadOnlyCollection<ulong> lostDonors, IReadOnlyList<TensorTransfer> tensors)
    {
        ArgumentNullException.ThrowIfNull(unfinished);
        ArgumentNullException.ThrowIfNull(lostDonors);
        ArgumentNullException.ThrowIfNull(tensors);
        var donorsByKey = tensors.ToDictionary(t => t.Key, t => t.Donors, StringComparer.Ordinal);
        var kept = unfinished.Where(r => !lostDonors.Contains(r.Donor)).ToList();
        var loads = new Dictionary<ulong, long>();
        foreach (var range in kept)
            loads[range.Donor] = loads.GetValueOrDefault(range.Donor) + range.Length;

        var result = new List<BlockRange>(kept);
        foreach (var orphan in unfinished.Where(r => lostDonors.Contains(r.Donor)))
        {
            var live = donorsByKey.TryGetValue(orphan.Key, out var donors) ? donors.Where(d => !lostDonors.Contains(d)).ToArray() : [];
            if (live.Length == 0)
                throw new PcclException(PcclErrorCode.PeerLost,
                    $"Shared-state key '{orphan.Key}': every peer holding its elected content was lost (donors {string.Join(", ", donors ?? [])}); " +
                    "retry the synchronisation so the master elects again among the remaining peers.", isTransient: true)
                { LostPeerId = orphan.Donor };
            Split(orphan.Key, orphan.FirstBlock, orphan.BlockCount, orphan.Offset + orphan.Length, live, loads, result);
        }
        return result;
    }

    // Gives blocks [firstBlock, firstBlock + blockCount) one at a time to the least-loaded donor (ties: lowest
    // id), then lays the shares out contiguously in donor-id order, with the donor that drew the final
    // (possibly short) block placed last so the byte counts stay what the loads say.
    private void Split(
        string key, int firstBlock, int blockCount, long endOffset, IReadOnlyList<ulong> donors,
        Dictionary<ulong, long> loads, List<BlockRange> output)
    {
        if (blockCount == 0)
            return;
        var shares = donors.Distinct().Order().ToDictionary(d => d, _ => 0);
        ulong lastDrawer = 0;
        for (var block = firstBlock; block < firstBlock + blockCount; block++)
        {
            var bytes = BlockLength(block, endOffset);
            lastDrawer = shares.Keys.MinBy(d => (loads.GetValueOrDefault(d), d));
            loads[lastDrawer] = loads.GetValueOrDefault(lastDrawer) + bytes;
            shares[lastDrawer]++;
        }

        var next = firstBlock;
        foreach (var donor in shares.Keys.Where(d => d != lastDrawer).Append(lastDrawer))
        {
            var count = shares[donor];
            if (count == 0)
                continue;
            var offset = (long)next * _blockSize;
            var end = Math.Min((long)(next + count) * _blockSize, endOffset);
            output.Add(new BlockRange(key, donor, next, count, offset, end - offset));
            next += count;
        }
    }

    private long BlockLength(int block, long endOffset) => Math.Min(_blockSize, endOffset - (long)block * _blockSize);
}
