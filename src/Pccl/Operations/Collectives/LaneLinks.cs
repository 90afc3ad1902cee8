namespace Pccl.Operations.Collectives;

/// <summary>
/// One direction of a peer's ring links (to its successor, or from its predecessor), by (neighbour, lane), with the
/// latest sequence each lane was retired at: a link opened at or before it belongs to an aborted operation, even when
/// its handshake finished after the retirement, and is never used again. Not thread-safe: <see cref="LaneTable"/>
/// calls it under its gate.
/// </summary>
internal sealed class LaneLinks
{
    private readonly Dictionary<(ulong Peer, uint Lane), RingLink> _links = [];
    private readonly Dictionary<(ulong Peer, uint Lane), ulong> _retiredThrough = [];

    public bool TryGet((ulong Peer, uint Lane) key, out RingLink link) => _links.TryGetValue(key, out link!);

    /// <summary>The lane's link unless there is none or it belongs to a retired operation.</summary>
    public RingLink? Usable((ulong Peer, uint Lane) key) => TryGet(key, out var link) && !IsRetired(key, link) ? link : null;

    public bool IsRetired((ulong Peer, uint Lane) key, RingLink link) =>
        _retiredThrough.TryGetValue(key, out var through) && link.OpenedAtSequence <= through;

    public void Remove((ulong Peer, uint Lane) key) => _links.Remove(key);

    /// <summary>
    /// Puts <paramref name="link"/> in the lane unless the lane holds a link opened at a later sequence (an older
    /// connection whose handshake finished late: the neighbour has moved on). Both sides of a lane follow this rule, so
    /// they agree on the current link. Returns the link the lane holds and the one to dispose.
    /// </summary>
    public (RingLink Kept, RingLink? Displaced) KeepNewer((ulong Peer, uint Lane) key, RingLink link)
    {
        if (_links.TryGetValue(key, out var current) && current.OpenedAtSequence > link.OpenedAtSequence)
        {
            return (current, link);
        }

        _links[key] = link;
        return (link, current);
    }

    /// <summary>Marks the lane retired through <paramref name="sequence"/>; returns its link to close if it was opened by then.</summary>
    public RingLink? Retire((ulong Peer, uint Lane) key, ulong sequence)
    {
        if (!_retiredThrough.TryGetValue(key, out var through) || through < sequence)
        {
            _retiredThrough[key] = sequence;
        }

        return TryGet(key, out var link) && IsRetired(key, link) && _links.Remove(key) ? link : null;
    }

    /// <summary>Forgets every lane of <paramref name="peer"/>; returns their links to close.</summary>
    public List<RingLink> Forget(ulong peer)
    {
        var links = _links.Where(kv => kv.Key.Peer == peer).ToList();
        foreach (var (key, _) in links)
        {
            _links.Remove(key);
        }

        foreach (var key in _retiredThrough.Keys.Where(k => k.Peer == peer).ToList())
        {
            _retiredThrough.Remove(key);
        }

        return [.. links.Select(kv => kv.Value)];
    }

    /// <summary>Empties the table; returns every link to close.</summary>
    public List<RingLink> Clear()
    {
        List<RingLink> all = [.. _links.Values];
        _links.Clear();
        return all;
    }
}
