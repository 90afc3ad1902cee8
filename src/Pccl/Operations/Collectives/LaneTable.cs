using Pccl.Protocol.Messages;
using Pccl.Transport;

namespace Pccl.Operations.Collectives;

/// <summary>
/// A peer's ring data connections, by (neighbour, lane): the ones it opened to its successor and the ones its
/// predecessor opened to it. The master gives each running operation of a group its own lane, so a lane's
/// connection is used by one operation at a time and data is read straight into the caller's buffer.
/// </summary>
internal sealed class LaneTable(Func<ulong> selfId, string clusterId, ConnectionSecurity security, TimeSpan connectTimeout) : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(ulong Peer, uint Lane), RingLink> _outgoing = [];
    private readonly Dictionary<(ulong Peer, uint Lane), RingLink> _incoming = [];
    private readonly Dictionary<(ulong Peer, uint Lane), TaskCompletionSource<RingLink>> _incomingWaiters = [];

    // The latest retired sequence per lane and direction: a link opened at or before it belongs to an aborted operation
    // even when its handshake finishes after the retirement, and is never used again.
    private readonly Dictionary<(ulong Peer, uint Lane), ulong> _outgoingRetired = [];
    private readonly Dictionary<(ulong Peer, uint Lane), ulong> _incomingRetired = [];

    /// <summary>Returns the lane's connection to <paramref name="peer"/>, opening it when missing or closed by the neighbour.</summary>
    public async ValueTask<RingLink> GetOutgoingAsync(PeerEntry peer, uint lane, ulong sequence, CancellationToken ct)
    {
        if (await TakeLiveAsync(_outgoing, _outgoingRetired, (peer.PeerId, lane)).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }

        var hello = new Hello { Kind = ConnectionKind.Ring, ClusterId = clusterId, PeerId = selfId(), Lane = lane, Sequence = sequence };
        var connection = await Handshake.ConnectAsync(peer.Address, (int)peer.P2PPort, hello, security, connectTimeout, ct).ConfigureAwait(false);
        RingLink kept;
        RingLink? displaced;
        lock (_gate)
        {
            (kept, displaced) = KeepNewer(_outgoing, (peer.PeerId, lane), new RingLink(connection, sequence));
        }

        if (displaced is not null)
        {
            await displaced.DisposeAsync().ConfigureAwait(false);
        }

        return kept;
    }

    /// <summary>Waits until <paramref name="peer"/> has opened the lane to this peer (again, when it closed the last one).</summary>
    public async Task<RingLink> GetIncomingAsync(ulong peer, uint lane, CancellationToken ct)
    {
        if (await TakeLiveAsync(_incoming, _incomingRetired, (peer, lane)).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }

        TaskCompletionSource<RingLink> waiter;
        lock (_gate)
        {
            if (_incoming.TryGetValue((peer, lane), out existing) && !IsRetired(_incomingRetired, (peer, lane), existing))
            {
                return existing; // opened again just now
            }

            if (!_incomingWaiters.TryGetValue((peer, lane), out waiter!))
            {
                waiter = new TaskCompletionSource<RingLink>(TaskCreationOptions.RunContinuationsAsynchronously);
                _incomingWaiters[(peer, lane)] = waiter;
            }
        }

        return await waiter.Task.WaitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Puts <paramref name="link"/> in the lane unless the lane holds a link opened at a later sequence (an older
    /// connection whose handshake finished late: the neighbour has moved on). Both sides of a lane follow this rule, so
    /// they agree on the current link. Returns the link the lane holds and the one to dispose. Call under the gate.
    /// </summary>
    private static (RingLink Kept, RingLink? Displaced) KeepNewer(Dictionary<(ulong Peer, uint Lane), RingLink> links, (ulong Peer, uint Lane) key, RingLink link)
    {
        if (links.TryGetValue(key, out var current) && current.OpenedAtSequence > link.OpenedAtSequence)
        {
            return (current, link);
        }

        links[key] = link;
        return (link, current);
    }

    private static bool IsRetired(Dictionary<(ulong Peer, uint Lane), ulong> retired, (ulong Peer, uint Lane) key, RingLink link) =>
        retired.TryGetValue(key, out var through) && link.OpenedAtSequence <= through;

    private static void RaiseRetired(Dictionary<(ulong Peer, uint Lane), ulong> retired, (ulong Peer, uint Lane) key, ulong sequence)
    {
        if (!retired.TryGetValue(key, out var through) || through < sequence)
        {
            retired[key] = sequence;
        }
    }

    /// <summary>
    /// The lane's link if it is still open. One the neighbour closed while it sat idle (it retired the lane after an
    /// aborted operation this peer finished, or lost its links) is dropped here, so the operation opens or waits for a
    /// fresh one instead of failing on it: every idle lane left dead that way would cost one failed attempt. So is one
    /// of a retired operation that was put in the lane after the retirement.
    /// </summary>
    private async ValueTask<RingLink?> TakeLiveAsync(
        Dictionary<(ulong Peer, uint Lane), RingLink> links, Dictionary<(ulong Peer, uint Lane), ulong> retired, (ulong Peer, uint Lane) key)
    {
        RingLink? closed;
        lock (_gate)
        {
            if (!links.TryGetValue(key, out var link))
            {
                return null;
            }

            if (!IsRetired(retired, key, link) && !link.IsClosedByNeighbour)
            {
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
        var key = (connection.Hello.PeerId, connection.Hello.Lane);
        RingLink kept;
        RingLink? displaced;
        TaskCompletionSource<RingLink>? waiter;
        var link = new RingLink(connection, connection.Hello.Sequence);
        lock (_gate)
        {
            if (IsRetired(_incomingRetired, key, link))
            {
                // opened for an operation this peer has retired already: its handshake finished late
                kept = link;
                displaced = link;
                waiter = null;
            }
            else
            {
                (kept, displaced) = KeepNewer(_incoming, key, link);
                _incomingWaiters.Remove(key, out waiter);
            }
        }

        waiter?.TrySetResult(kept);
        if (displaced is not null)
        {
            await displaced.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Closes the lane's connections to and from the given neighbours that were opened at or before the failed
    /// operation, so the next operation starts on fresh streams with no half-sent frames; one of them whose handshake
    /// finishes later is refused too. Takes effect before the first await: a caller that must retire before something
    /// else happens (the next start on the control link) need not wait for the closing.
    /// </summary>
    public async ValueTask RetireAsync(ulong next, ulong previous, uint lane, ulong sequence)
    {
        var retired = new List<RingLink>(2);
        lock (_gate)
        {
            RaiseRetired(_outgoingRetired, (next, lane), sequence);
            RaiseRetired(_incomingRetired, (previous, lane), sequence);
            if (_outgoing.TryGetValue((next, lane), out var o) && o.OpenedAtSequence <= sequence)
            {
                _outgoing.Remove((next, lane));
                retired.Add(o);
            }

            if (_incoming.TryGetValue((previous, lane), out var i) && i.OpenedAtSequence <= sequence)
            {
                _incoming.Remove((previous, lane));
                retired.Add(i);
            }
        }

        foreach (var link in retired)
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
            retired = [.. _outgoing.Where(kv => kv.Key.Peer == peer).Select(kv => kv.Value),
                       .. _incoming.Where(kv => kv.Key.Peer == peer).Select(kv => kv.Value)];
            foreach (var key in _outgoing.Keys.Where(k => k.Peer == peer).ToList())
            {
                _outgoing.Remove(key);
            }

            foreach (var key in _incoming.Keys.Where(k => k.Peer == peer).ToList())
            {
                _incoming.Remove(key);
            }

            foreach (var marks in new[] { _outgoingRetired, _incomingRetired })
            {
                foreach (var key in marks.Keys.Where(k => k.Peer == peer).ToList())
                {
                    marks.Remove(key);
                }
            }
        }

        foreach (var link in retired)
        {
            await link.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<RingLink> all;
        lock (_gate)
        {
            all = [.. _outgoing.Values, .. _incoming.Values];
            _outgoing.Clear();
            _incoming.Clear();
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
    }
}
