using Pccl.Protocol.Messages;
using Pccl.Transport;
using Pccl.Transport.Identity;

namespace Pccl.Operations.Collectives;

/// <summary>
/// A peer's ring data connections, by (neighbour, lane): the ones it opened to its successor and the ones its
/// predecessor opened to it. The master gives each running operation of a group its own lane, so a lane's
/// connection is used by one operation at a time and data is read straight into the caller's buffer. A connection the
/// predecessor opened that no operation takes within <paramref name="unusedLinkDeadline"/> is closed: a lane is opened
/// for an operation, so one that never carries one is held for nothing (the predecessor opens it again when needed).
/// </summary>
internal sealed class LaneTable(
    Func<ulong> selfId, PeerIdentity identity, string clusterId, ConnectionSecurity security, TimeSpan connectTimeout, TimeSpan unusedLinkDeadline)
    : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _disposed = new();
    private readonly HashSet<RingLink> _untaken = [];
    private readonly LaneLinks _outgoing = new();
    private readonly LaneLinks _incoming = new();
    private readonly Dictionary<(ulong Peer, uint Lane), TaskCompletionSource<RingLink>> _incomingWaiters = [];

    /// <summary>Returns the lane's connection to <paramref name="peer"/>, opening it when missing or closed by the neighbour.</summary>
    public async ValueTask<RingLink> GetOutgoingAsync(PeerEntry peer, uint lane, ulong sequence, CancellationToken ct)
    {
        if (await TakeLiveAsync(_outgoing, (peer.PeerId, lane)).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }

        var hello = new Hello { Kind = ConnectionKind.Ring, ClusterId = clusterId, PeerId = selfId(), TargetPeerId = peer.PeerId, Lane = lane, Sequence = sequence };
        var connection = await Handshake.ConnectAsync(peer.Address, (int)peer.P2PPort, hello, security, connectTimeout, ct, identity).ConfigureAwait(false);
        RingLink kept;
        RingLink? displaced;
        lock (_gate)
        {
            (kept, displaced) = _outgoing.KeepNewer((peer.PeerId, lane), new RingLink(connection, sequence));
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
        if (await TakeLiveAsync(_incoming, (peer, lane)).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }

        TaskCompletionSource<RingLink> waiter;
        lock (_gate)
        {
            if (_incoming.Usable((peer, lane)) is { } opened)
            {
                _untaken.Remove(opened);
                return opened; // opened again just now
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
    /// The lane's link if it is still open. One the neighbour closed while it sat idle (it retired the lane after an
    /// aborted operation this peer finished, or lost its links) is dropped here, so the operation opens or waits for a
    /// fresh one instead of failing on it: every idle lane left dead that way would cost one failed attempt. So is one
    /// of a retired operation that was put in the lane after the retirement.
    /// </summary>
    private async ValueTask<RingLink?> TakeLiveAsync(LaneLinks links, (ulong Peer, uint Lane) key)
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
        var key = (connection.Hello.PeerId, connection.Hello.Lane);
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

    private async Task CloseIfUntakenAsync((ulong Peer, uint Lane) key, RingLink link)
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
    /// Closes the lane's connections to and from the given neighbours that were opened at or before the failed
    /// operation, so the next operation starts on fresh streams with no half-sent frames; one of them whose handshake
    /// finishes later is refused too. Takes effect before the first await: a caller that must retire before something
    /// else happens (the next start on the control link) need not wait for the closing.
    /// </summary>
    public async ValueTask RetireAsync(ulong next, ulong previous, uint lane, ulong sequence)
    {
        RingLink?[] retired;
        lock (_gate)
        {
            retired = [_outgoing.Retire((next, lane), sequence), _incoming.Retire((previous, lane), sequence)];
        }

        foreach (var link in retired)
        {
            if (link is not null)
            {
                await link.DisposeAsync().ConfigureAwait(false);
            }
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
