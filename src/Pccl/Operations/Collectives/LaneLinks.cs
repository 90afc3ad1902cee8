namespace Pccl.Operations.Collectives;

/// <summary>
/// One direction of a peer's ring links (to its successor, or from its predecessor), by (neighbour, lane, stripe),
/// with the latest sequence each lane was retired at: a link opened at or before it belongs to an aborted operation,
/// even when its handshake finished after the retirement, and is never used again. A retirement covers every stripe
/// of the lane. Not thread-safe: <see cref="LaneTable"/> calls it under its gate.
/// </summary>
internal sealed class LaneLinks
{
    private readonly Dictionary<(ulong Peer, uint Lane, uint Stripe), RingLink> _links = [];
    private readonly Dictionary<(ulong Peer, uint Lane), ulong> _retiredThrough = [];

    public bool TryGet((ulong Peer, uint Lane, uint Stripe) key, out RingLink link) => _links.TryGetValue(key, out link!);

    /// <summary>The stripe's link unless there is none or it belongs to a retired operation.</summary>
    public RingLink? Usable((ulong Peer, uint Lane, uint Stripe) key) => TryGet(key, out var link) && !IsRetired(key, link) ? link : null;

    public bool IsRetired((ulong Peer, uint Lane, uint Stripe) key, RingLink link) =>
        _retiredThrough.TryGetValue((key.Peer, key.Lane), out var through) && link.OpenedAtSequence <= through;

    public void Remove((ulong Peer, uint Lane, uint Stripe) key) => _links.Remove(key);

    /// <summary>
    /// Puts <paramref name="link"/> in its stripe unless the stripe holds a link opened at a later sequence (an older
    /// connection whose handshake finished late: the neighbour has moved on). Both sides of a lane follow this rule, so
    /// they agree on the current link. Returns the link the stripe holds and the one to dispose.
    /// </summary>
    public (RingLink Kept, RingLink? Displaced) KeepNewer((ulong Peer, uint Lane, uint Stripe) key, RingLink link)
    {
        if (_links.TryGetValue(key, out var current) && current.OpenedAtSequence > link.OpenedAtSequence)
        {
            return (current, link);
        }

        _links[key] = link;
        return (link, current);
    }

    /// <summary>Marks the lane retired through <paramref name="sequence"/>; returns the links of its stripes to close that were opened by then.</summary>
    public List<RingLink> Retire((ulong Peer, uint Lane) lane, ulong sequence)
    {
        if (!_retiredThrough.TryGetValue(lane, out var through) || through < sequence)
        {
            _retiredThrough[lane] = sequence;
        }

        return Take(kv => kv.Key.Peer == lane.Peer && kv.Key.Lane == lane.Lane && IsRetired(kv.Key, kv.Value));
    }

    /// <summary>Removes every stripe of <paramref name="lane"/>; returns their links to close.</summary>
    public List<RingLink> RemoveLane((ulong Peer, uint Lane) lane) => Take(kv => kv.Key.Peer == lane.Peer && kv.Key.Lane == lane.Lane);

    /// <summary>Forgets every lane of <paramref name="peer"/>; returns their links to close.</summary>
    public List<RingLink> Forget(ulong peer)
    {
        foreach (var key in _retiredThrough.Keys.Where(k => k.Peer == peer).ToList())
        {
            _retiredThrough.Remove(key);
        }

        return Take(kv => kv.Key.Peer == peer);
    }

    /// <summary>Empties the table; returns every link to close.</summary>
    public List<RingLink> Clear()
    {
        List<RingLink> all = [.. _links.Values];
        _links.Clear();
        return all;
    }

    private List<RingLink> Take(Func<KeyValuePair<(ulong Peer, uint Lane, uint Stripe), RingLink>, bool> match)
    {
        var taken = _links.Where(match).ToList();
        foreach (var (key, _) in taken)
        {
            _links.Remove(key);
        }

        return [.. taken.Select(kv => kv.Value)];
    }
}
