using Microsoft.Extensions.Logging;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;
using Pccl.Telemetry;
using Pccl.Transport;
using Pccl.Transport.Identity;

namespace Pccl.Operations.Collectives;

/// <summary>
/// A peer's ring data connections, by (neighbour, lane, stripe): the ones it opened to its successor and the ones its
/// predecessor opened to it. The master gives each running operation of a group its own lane, so a lane's
/// connections are used by one operation at a time and data is read straight into the caller's buffer. A lane is one
/// connection, or a set of stripes the opening side spreads each operation's frames over (<see cref="StripedHop"/>). A connection the
/// predecessor opened that no operation takes within <paramref name="unusedLinkDeadline"/> is closed: a lane is opened
/// for an operation, so one that never carries one is held for nothing (the predecessor opens it again when needed).
/// </summary>
internal sealed class LaneTable(
    Func<ulong> selfId, PeerIdentity identity, string clusterId, ConnectionSecurity security, TimeSpan connectTimeout, TimeSpan unusedLinkDeadline,
    Func<ulong, TcpPath, int>? stripesFor = null, ILogger? logger = null)
    : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _disposed = new();
    private readonly HashSet<RingLink> _untaken = [];
    private readonly LaneLinks _outgoing = new();
    private readonly LaneLinks _incoming = new();
    private readonly Dictionary<(ulong Peer, uint Lane, uint Stripe), TaskCompletionSource<RingLink>> _incomingWaiters = [];

    /// <summary>
    /// Returns the lane's connections to <paramref name="peer"/>, its stripes in order, opening them when missing or
    /// when the neighbour closed one. The first is opened alone; how many more join it is decided from what the kernel
    /// measured of its path (the table's <c>stripesFor</c>), and they share the first one's set.
    /// </summary>
    public async ValueTask<RingLink[]> GetOutgoingAsync(PeerEntry peer, uint lane, ulong sequence, CancellationToken ct)
    {
        if (await TakeLiveSetAsync(peer.PeerId, lane).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }

        var set = (ulong)Random.Shared.NextInt64(1, long.MaxValue);
        var first = await OpenAsync(peer, lane, 0, set, sequence, ct).ConfigureAwait(false);
        var path = first.Connection.MeasurePath();
        var count = Math.Clamp(stripesFor?.Invoke(peer.PeerId, path) ?? 1, 1, RingStripes.Max);
        if (count == 1)
        {
            return [first];
        }

        var rest = await Task.WhenAll(Enumerable.Range(1, count - 1).Select(i => OpenAsync(peer, lane, (uint)i, set, sequence, ct).AsTask())).ConfigureAwait(false);
        if (logger is not null)
        {
            logger.LaneStriped(lane, peer.PeerId, count, path.RoundTrip?.TotalMilliseconds ?? -1, path.Window);
        }

        return [first, .. rest];
    }

    private async ValueTask<RingLink> OpenAsync(PeerEntry peer, uint lane, uint stripe, ulong set, ulong sequence, CancellationToken ct)
    {
        var hello = new Hello
        {
            Kind = ConnectionKind.Ring, ClusterId = clusterId, PeerId = selfId(), TargetPeerId = peer.PeerId, Lane = lane, Sequence = sequence,
            Stripe = stripe, StripeSet = set,
        };
        var connection = await Handshake.ConnectAsync(peer.Address, (int)peer.P2PPort, hello, security, connectTimeout, ct, identity).ConfigureAwait(false);
        RingLink kept;
        RingLink? displaced;
        lock (_gate)
        {
            (kept, displaced) = _outgoing.KeepNewer((peer.PeerId, lane, stripe), new RingLink(connection, sequence));
        }

        if (displaced is not null)
        {
            await displaced.DisposeAsync().ConfigureAwait(false);
        }

        return kept;
    }

    /// <summary>
    /// The lane's outgoing stripes if all of them are still open: the first and those of its set after it. One the
    /// neighbour closed (or a retired one) drops the whole set, so the operation opens a fresh one instead of failing.
    /// </summary>
    private async ValueTask<RingLink[]?> TakeLiveSetAsync(ulong peer, uint lane)
    {
        List<RingLink> dropped;
        lock (_gate)
        {
            if (!_outgoing.TryGet((peer, lane, 0), out var first))
            {
                return null;
            }

            List<RingLink> set = [first];
            while (set.Count < RingStripes.Max && _outgoing.TryGet((peer, lane, (uint)set.Count), out var next) && next.StripeSet == first.StripeSet)
            {
                set.Add(next);
            }

            if (set.TrueForAll(link => !_outgoing.IsRetired((peer, lane, link.Stripe), link) && !link.IsClosedByNeighbour))
            {
                return [.. set];
            }

            dropped = _outgoing.RemoveLane((peer, lane));
        }

        foreach (var link in dropped)
        {
            await link.DisposeAsync().ConfigureAwait(false);
        }

        return null;
    }

    /// <summary>
    /// Waits until <paramref name="peer"/> has opened the lane to this peer (again, when it closed the last one); returns
    /// its first stripe. The other stripes of its set count as taken from now on: the operation takes them when the first
    /// frame says how many there are, and closing one as unused meanwhile would fail it.
    /// </summary>
    public async Task<RingLink> GetIncomingAsync(ulong peer, uint lane, CancellationToken ct)
    {
        var first = await GetIncomingAsync((peer, lane, 0), set: null, ct).ConfigureAwait(false);
        lock (_gate)
        {
            _untaken.RemoveWhere(link => link.StripeSet == first.StripeSet && link.Connection.Hello.PeerId == peer && link.Connection.Hello.Lane == lane);
        }

        return first;
    }

    /// <summary>Waits until <paramref name="peer"/> has opened stripe <paramref name="stripe"/> of the lane's set <paramref name="set"/>.</summary>
    public Task<RingLink> GetIncomingStripeAsync(ulong peer, uint lane, uint stripe, ulong set, CancellationToken ct) =>
        GetIncomingAsync((peer, lane, stripe), set, ct);

    private async Task<RingLink> GetIncomingAsync((ulong Peer, uint Lane, uint Stripe) key, ulong? set, CancellationToken ct)
    {
        if (await TakeLiveAsync(_incoming, key).ConfigureAwait(false) is { } existing && InSet(existing, set))
        {
            return existing;
        }

        while (true)
        {
            TaskCompletionSource<RingLink> waiter;
            lock (_gate)
            {
                if (_incoming.Usable(key) is { } opened && InSet(opened, set))
                {
                    _untaken.Remove(opened);
                    return opened; // opened again just now
                }

                if (!_incomingWaiters.TryGetValue(key, out waiter!))
                {
                    waiter = new TaskCompletionSource<RingLink>(TaskCreationOptions.RunContinuationsAsynchronously);
                    _incomingWaiters[key] = waiter;
                }
            }

            var arrived = await waiter.Task.WaitAsync(ct).ConfigureAwait(false);
            if (InSet(arrived, set))
            {
                return arrived;
            }
        }
    }

    /// <summary>A stripe of an older set (the neighbour has opened a new one since) is not part of the one being read.</summary>
    private static bool InSet(RingLink link, ulong? set) => set is not { } wanted || link.StripeSet == wanted;

    /// <summary>
    /// The lane's link if it is still open. One the neighbour closed while it sat idle (it retired the lane after an
    /// aborted operation this peer finished, or lost its links) is dropped here, so the operation opens or waits for a
    /// fresh one instead of failing on it: every idle lane left dead that way would cost one failed attempt. So is one
    /// of a retired operation that was put in the lane after the retirement.
    /// </summary>
    private async ValueTask<RingLink?> TakeLiveAsync(LaneLinks links, (ulong Peer, uint Lane, uint Stripe) key)
    {
        RingLink? closed;
        lock (_gate)
        {
            if (!links.TryGet(key, out var link))
            {
                return null;
            }

            if (!links.IsRetired(key, link) && !link.IsClosedByNeighbour)
            {
                _untaken.Remove(link);
                return link;
            }

            links.Remove(key);
            closed = link;
        }

        await closed.DisposeAsync().ConfigureAwait(false);
        return null;
    }

    /// <summary>Takes a ring connection a neighbour opened; a newer one (by the sequence it was opened at, then by arrival) replaces an older one on the same lane, never the reverse.</summary>
    public async ValueTask AcceptIncomingAsync(EstablishedConnection connection)
    {
        var key = (connection.Hello.PeerId, connection.Hello.Lane, connection.Hello.Stripe);
        RingLink kept;
        RingLink? displaced;
        TaskCompletionSource<RingLink>? waiter;
        var link = new RingLink(connection, connection.Hello.Sequence);
        lock (_gate)
        {
            if (_incoming.IsRetired(key, link))
            {
                // opened for an operation this peer has retired already: its handshake finished late
                kept = link;
                displaced = link;
                waiter = null;
            }
            else
            {
                (kept, displaced) = _incoming.KeepNewer(key, link);
                _incomingWaiters.Remove(key, out waiter);
                if (kept == link && waiter is null)
                {
                    _untaken.Add(link);
                }
            }

            if (displaced is not null)
            {
                _untaken.Remove(displaced);
            }
        }

        if (kept == link && waiter is null && displaced != link)
        {
            _ = CloseIfUntakenAsync(key, link);
        }

        waiter?.TrySetResult(kept);
        if (displaced is not null)
        {
            await displaced.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task CloseIfUntakenAsync((ulong Peer, uint Lane, uint Stripe) key, RingLink link)
    {
        try
        {
            await Task.Delay(unusedLinkDeadline, _disposed.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            return; // disposing closes it
        }

        lock (_gate)
        {
            if (!_untaken.Remove(link) || !_incoming.TryGet(key, out var current) || current != link)
            {
                return;
            }

            _incoming.Remove(key);
        }

        await link.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Retires the lane's connections to and from the given neighbours that were opened at or before the failed
    /// operation, so the next operation starts on fresh streams with no half-sent frames; one of them whose handshake
    /// finishes later is refused too. Takes effect when this returns, without closing anything: the caller closes the
    /// links returned (<see cref="RetiredLinks"/>), off its failure path.
    /// </summary>
    public RetiredLinks Retire(ulong next, ulong previous, uint lane, ulong sequence)
    {
        lock (_gate)
        {
            return new RetiredLinks([.. _outgoing.Retire((next, lane), sequence), .. _incoming.Retire((previous, lane), sequence)]);
        }
    }

    /// <summary>
    /// Closes this peer's stripes of <paramref name="lane"/> to <paramref name="peer"/> after an operation finished on
    /// them, so the lane's next operation opens it afresh, striped anew. A close sends what was queued first, so the
    /// neighbour still reads the finished operation's last frames, then finds the lane closed and waits for the new set.
    /// </summary>
    public async ValueTask CloseOutgoingLaneAsync(ulong peer, uint lane)
    {
        List<RingLink> closed;
        lock (_gate)
        {
            closed = _outgoing.RemoveLane((peer, lane));
        }

        foreach (var link in closed)
        {
            await link.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Drops every connection to or from a peer that left the run.</summary>
    public async ValueTask ForgetPeerAsync(ulong peer)
    {
        List<RingLink> retired;
        lock (_gate)
        {
            retired = [.. _outgoing.Forget(peer), .. _incoming.Forget(peer)];
        }

        foreach (var link in retired)
        {
            await link.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync().ConfigureAwait(false);
        List<RingLink> all;
        lock (_gate)
        {
            _untaken.Clear();
            all = [.. _outgoing.Clear(), .. _incoming.Clear()];
            foreach (var w in _incomingWaiters.Values)
            {
                w.TrySetException(new PcclException(PcclErrorCode.InvalidState, "the communicator was disposed"));
            }

            _incomingWaiters.Clear();
        }

        foreach (var link in all)
        {
            await link.DisposeAsync().ConfigureAwait(false);
        }

        _disposed.Dispose();
    }
}
