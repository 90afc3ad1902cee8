using System.Net;
using System.Net.Sockets;
using Pccl.Operations.Collectives;
using Pccl.Protocol.Messages;
using Pccl.Transport;
using Pccl.Transport.Identity;

namespace Pccl.Tests.Collectives;

/// <summary>
/// The lane table's rules for links that belong to an aborted operation: once a lane is retired at a sequence, no link
/// opened at or before it is used again, even one whose handshake finishes after the retirement.
/// </summary>
public sealed class LaneTableTests : IAsyncLifetime
{
    private const ulong Neighbour = 7;
    private const uint Lane = 1;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan UnusedLinkDeadline = TimeSpan.FromSeconds(1);

    private readonly PeerIdentity _identity = new();
    private readonly LaneTable _lanes;
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<Socket> _sockets = [];

    public LaneTableTests() => _lanes = new(() => 1, _identity, "cluster", ConnectionSecurity.None, TimeSpan.FromSeconds(5), UnusedLinkDeadline);

    public ValueTask InitializeAsync()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task ALinkOfARetiredOperationArrivingLateIsClosedAndNeverHandedOut()
    {
        var ct = TestContext.Current.CancellationToken;
        await _lanes.Retire(next: 99, previous: Neighbour, Lane, sequence: 5).CloseAsync();

        var (late, lateRemote) = await ConnectedPairAsync(openedAt: 5, ct);
        await _lanes.AcceptIncomingAsync(late);

        var waiting = _lanes.GetIncomingAsync(Neighbour, Lane, ct);
        Assert.Equal(0, await lateRemote.ReceiveAsync(new byte[1], ct).AsTask().WaitAsync(Patience, ct)); // closed here: end of stream there
        Assert.False(waiting.IsCompleted, "a retired operation's link must not be handed to the next operation");

        var (fresh, _) = await ConnectedPairAsync(openedAt: 6, ct);
        await _lanes.AcceptIncomingAsync(fresh);
        var link = await waiting.WaitAsync(Patience, ct);
        Assert.Equal(6UL, link.OpenedAtSequence);
    }

    [Fact]
    public async Task RetiringALaneClosesItsLinksOpenedUpToTheSequenceAndKeepsLaterOnes()
    {
        var ct = TestContext.Current.CancellationToken;
        var (old, oldRemote) = await ConnectedPairAsync(openedAt: 3, ct);
        await _lanes.AcceptIncomingAsync(old);
        await _lanes.Retire(next: 99, previous: Neighbour, Lane, sequence: 4).CloseAsync();
        Assert.Equal(0, await oldRemote.ReceiveAsync(new byte[1], ct).AsTask().WaitAsync(Patience, ct));

        var (later, _) = await ConnectedPairAsync(openedAt: 9, ct);
        await _lanes.AcceptIncomingAsync(later);
        await _lanes.Retire(next: 99, previous: Neighbour, Lane, sequence: 4).CloseAsync(); // the same retirement again changes nothing
        var link = await _lanes.GetIncomingAsync(Neighbour, Lane, ct).WaitAsync(Patience, ct);
        Assert.Equal(9UL, link.OpenedAtSequence);
    }

    [Fact]
    public async Task ARetirementTakesEffectAtOnce_AndLeavesTheClosingToItsCaller()
    {
        var ct = TestContext.Current.CancellationToken;
        var (old, oldRemote) = await ConnectedPairAsync(openedAt: 3, ct);
        await _lanes.AcceptIncomingAsync(old);
        var retired = _lanes.Retire(next: 99, previous: Neighbour, Lane, sequence: 4);

        var waiting = _lanes.GetIncomingAsync(Neighbour, Lane, ct);
        Assert.False(waiting.IsCompleted, "a retired operation's link must not be handed out before it is closed");
        Assert.Null(old.ShutdownReason); // nothing closed on the retiring caller's path
        var pending = oldRemote.ReceiveAsync(new byte[1], ct).AsTask();
        await Task.Delay(100, ct);
        Assert.False(pending.IsCompleted, "the neighbour heard of the retirement before its links were closed");

        await retired.CloseInBackground();
        Assert.Equal(0, await pending.WaitAsync(Patience, ct)); // closed here: end of stream there
        Assert.NotNull(old.ShutdownReason);
        Assert.False(waiting.IsCompleted);
    }

    [Fact]
    public async Task ALinkNoOperationTakes_IsClosedAfterTheDeadline_AndATakenOneIsKept()
    {
        var ct = TestContext.Current.CancellationToken;
        var (unused, unusedRemote) = await ConnectedPairAsync(openedAt: 3, ct, lane: 40);
        var (used, usedRemote) = await ConnectedPairAsync(openedAt: 3, ct);
        await _lanes.AcceptIncomingAsync(unused);
        await _lanes.AcceptIncomingAsync(used);
        await _lanes.GetIncomingAsync(Neighbour, Lane, ct).WaitAsync(Patience, ct);

        Assert.Equal(0, await unusedRemote.ReceiveAsync(new byte[1], ct).AsTask().WaitAsync(Patience, ct)); // closed there
        var kept = usedRemote.ReceiveAsync(new byte[1], ct).AsTask();
        await Task.Delay(UnusedLinkDeadline * 2, ct);
        Assert.False(kept.IsCompleted, "a link an operation took must stay open");
    }

    [Fact]
    public async Task AStripeOfAnOlderSetIsNotJoinedToTheSetBeingRead()
    {
        var ct = TestContext.Current.CancellationToken;
        var (older, _) = await ConnectedPairAsync(openedAt: 3, ct, stripe: 1, set: 10);
        await _lanes.AcceptIncomingAsync(older);

        var waiting = _lanes.GetIncomingStripeAsync(Neighbour, Lane, stripe: 1, set: 11, ct);
        await Task.Delay(100, ct);
        Assert.False(waiting.IsCompleted, "a stripe of another set must not be read as this set's");

        var (current, _) = await ConnectedPairAsync(openedAt: 3, ct, stripe: 1, set: 11);
        await _lanes.AcceptIncomingAsync(current);
        var link = await waiting.WaitAsync(Patience, ct);
        Assert.Equal(11UL, link.StripeSet);
        Assert.Equal(1U, link.Stripe);
    }

    [Fact]
    public async Task RetiringALaneClosesEveryStripe()
    {
        var ct = TestContext.Current.CancellationToken;
        var remotes = new List<Socket>();
        for (uint stripe = 0; stripe < 3; stripe++)
        {
            var (link, remote) = await ConnectedPairAsync(openedAt: 3, ct, stripe: stripe, set: 5);
            await _lanes.AcceptIncomingAsync(link);
            remotes.Add(remote);
        }

        await _lanes.GetIncomingAsync(Neighbour, Lane, ct).WaitAsync(Patience, ct);
        await _lanes.Retire(next: 99, previous: Neighbour, Lane, sequence: 3).CloseAsync();

        foreach (var remote in remotes)
        {
            Assert.Equal(0, await remote.ReceiveAsync(new byte[1], ct).AsTask().WaitAsync(Patience, ct)); // closed here: end of stream there
        }
    }

    /// <summary>An accepted connection as the listener hands it over (the neighbour opened it at <paramref name="openedAt"/>), and its remote end.</summary>
    private async Task<(EstablishedConnection Accepted, Socket Remote)> ConnectedPairAsync(
        ulong openedAt, CancellationToken ct, uint lane = Lane, uint stripe = 0, ulong set = 0)
    {
        var remote = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await remote.ConnectAsync(_listener.LocalEndPoint!, ct);
        var accepted = await _listener.AcceptAsync(ct);
        _sockets.AddRange([remote, accepted]);
        var hello = new Hello { Kind = ConnectionKind.Ring, ClusterId = "cluster", PeerId = Neighbour, Lane = lane, Sequence = openedAt, Stripe = stripe, StripeSet = set };
        return (new EstablishedConnection(accepted, new NetworkStream(accepted, ownsSocket: false), hello, null), remote);
    }

    public async ValueTask DisposeAsync()
    {
        await _lanes.DisposeAsync();
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        _listener.Dispose();
        _identity.Dispose();
    }
}
