using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;

namespace Pccl.Transport.Identity;

/// <summary>
/// Decides who may open a p2p connection (ring, state, bench) to this peer: the hello must name a member of the
/// master's current world and be meant for this peer, the client must prove that member's identity (a signature with
/// the key the member registered), and a ring connection must announce an operation sequence this peer has seen or
/// is about to see. Runs once per connection, in the handshake.
/// </summary>
/// <param name="selfId">This peer's id (0 until the master has assigned it).</param>
/// <param name="members">The master's world as this peer knows it.</param>
/// <param name="patience">How long a connection may wait for a world naming its peer, or for its sequence, before it is refused.</param>
internal sealed class P2PGatekeeper(Func<ulong> selfId, MemberDirectory members, TimeSpan patience)
{
    /// <summary>How far beyond the latest sequence this peer has seen a ring connection may be announced without waiting.</summary>
    internal const ulong SequenceWindow = 16;

    /// <summary>What the hello alone settles, before the first reply.</summary>
    public Refusal? CheckHello(Hello hello)
    {
        if (hello.Kind is ConnectionKind.Control)
        {
            return new Refusal(RefusalReason.NotAllowed, "this is a peer's p2p port; connect to the master's port (7117 by default) instead");
        }

        if (!Handshake.IsP2P(hello.Kind) || hello.PeerId == 0)
        {
            return new Refusal(RefusalReason.Malformed, $"p2p hello of kind {hello.Kind} without a peer id");
        }

        if (hello.Kind == ConnectionKind.Ring && hello.Stripe >= RingStripes.Max)
        {
            return new Refusal(RefusalReason.Malformed,
                $"ring hello for stripe {hello.Stripe}; a lane has at most {RingStripes.Max} stripes (performance.connections_per_peer)");
        }

        return null;
    }

    /// <summary>
    /// After authentication: the hello must be meant for this peer, the client must prove <c>hello.PeerId</c> over
    /// <paramref name="transcript"/>, and a ring connection's sequence must be one this peer has (nearly) seen.
    /// </summary>
    public async ValueTask<Refusal?> CheckIdentityAsync(Hello hello, ReadOnlyMemory<byte> transcript, ReadOnlyMemory<byte> signature, CancellationToken ct)
    {
        if (selfId() is var known and not 0 && hello.TargetPeerId != known)
        {
            return WrongTarget(known, hello.TargetPeerId);
        }

        // A world naming the caller reaches this peer after its own registration, on the same control link, so once
        // the key is known so is this peer's id, even when the caller heard of the new world first.
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(patience);
        var key = await members.KeyOfAsync(hello.PeerId, wait.Token).ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
        if (selfId() is var self && (self == 0 || hello.TargetPeerId != self))
        {
            return WrongTarget(self, hello.TargetPeerId);
        }

        if (key is null)
        {
            return new Refusal(RefusalReason.UnknownPeer,
                $"peer {hello.PeerId} is not a member of this peer's world (it knows only the peers the master admitted); join through the master");
        }

        if (!PeerIdentity.Verify(key, transcript.Span, signature.Span))
        {
            return new Refusal(RefusalReason.BadIdentity,
                $"the identity proof for peer {hello.PeerId} does not match the key that peer registered with the master; only that peer can open p2p connections in its name");
        }

        if (hello.Kind == ConnectionKind.Ring && hello.Sequence > SequenceWindow
            && !await members.ReachesAsync(hello.Sequence - SequenceWindow, wait.Token).ConfigureAwait(false))
        {
            ct.ThrowIfCancellationRequested();
            return new Refusal(RefusalReason.OutOfSequence,
                $"ring connection for operation {hello.Sequence}, but the latest operation this peer has seen is {members.LastSequence}; lanes are opened only for operations the master started");
        }

        return null;
    }

    private static Refusal WrongTarget(ulong self, ulong target) => new(RefusalReason.UnknownPeer,
        $"this p2p port belongs to peer {(self == 0 ? "(not registered yet)" : self)}, not to peer {target}; its world is out of date: retry after the next topology update");
}
