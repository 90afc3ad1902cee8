using Google.Protobuf;
using Pccl.Protocol.Messages;
using Pccl.Transport.Identity;

namespace Pccl.Tests.Transport.Identity;

/// <summary>
/// The gatekeeper's answer to a member whose hello arrives before this peer has heard of its own registration: the
/// caller may learn of a new world first, so the gatekeeper waits for that world instead of refusing at once.
/// </summary>
public sealed class P2PGatekeeperTests
{
    private const ulong Caller = 2;
    private const ulong Self = 3;
    private static readonly byte[] Transcript = "hello transcript"u8.ToArray();

    [Fact]
    public async Task AMemberArrivingBeforeThisPeersRegistration_IsAdmittedOnceTheWorldNamingItArrives()
    {
        var ct = TestContext.Current.CancellationToken;
        using var caller = new PeerIdentity();
        ulong self = 0;
        var members = new MemberDirectory();
        var gatekeeper = new P2PGatekeeper(() => Volatile.Read(ref self), members, TimeSpan.FromSeconds(10));

        var check = gatekeeper.CheckIdentityAsync(RingHello(), Transcript, caller.Sign(Transcript), ct).AsTask();
        await Task.Delay(50, ct);
        Assert.False(check.IsCompleted, "refused before this peer knew its own id");

        Volatile.Write(ref self, Self); // the control link delivers the registration, then the world
        members.Update(WorldOf(caller));

        Assert.Null(await check.WaitAsync(TimeSpan.FromSeconds(10), ct));
    }

    [Fact]
    public async Task AHelloMeantForAnotherPeer_IsRefusedAtOnce_NamingBothPeers()
    {
        var ct = TestContext.Current.CancellationToken;
        using var caller = new PeerIdentity();
        var gatekeeper = new P2PGatekeeper(() => Self + 1, new MemberDirectory(), TimeSpan.FromMinutes(1));

        var refusal = await gatekeeper.CheckIdentityAsync(RingHello(), Transcript, caller.Sign(Transcript), ct).AsTask().WaitAsync(TimeSpan.FromSeconds(5), ct);

        Assert.NotNull(refusal);
        Assert.Equal(RefusalReason.UnknownPeer, refusal.Reason);
        Assert.Contains($"belongs to peer {Self + 1}, not to peer {Self}", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AHelloWhileThisPeerIsStillUnregistered_IsRefusedAfterThePatience()
    {
        var ct = TestContext.Current.CancellationToken;
        using var caller = new PeerIdentity();
        var gatekeeper = new P2PGatekeeper(() => 0, new MemberDirectory(), TimeSpan.FromMilliseconds(100));

        var refusal = await gatekeeper.CheckIdentityAsync(RingHello(), Transcript, caller.Sign(Transcript), ct).AsTask().WaitAsync(TimeSpan.FromSeconds(5), ct);

        Assert.NotNull(refusal);
        Assert.Equal(RefusalReason.UnknownPeer, refusal.Reason);
        Assert.Contains("(not registered yet)", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARingHelloForAStripeBeyondTheLimit_IsRefusedAsMalformed_NamingTheKey()
    {
        var gatekeeper = new P2PGatekeeper(() => Self, new MemberDirectory(), TimeSpan.FromSeconds(1));
        var last = RingHello();
        last.Stripe = 7;
        var beyond = RingHello();
        beyond.Stripe = 8;

        Assert.Null(gatekeeper.CheckHello(last));
        var refusal = gatekeeper.CheckHello(beyond);
        Assert.NotNull(refusal);
        Assert.Equal(RefusalReason.Malformed, refusal.Reason);
        Assert.Contains("performance.connections_per_peer", refusal.Message, StringComparison.Ordinal);
    }

    private static Hello RingHello() => new() { Kind = ConnectionKind.Ring, ClusterId = "pccl", PeerId = Caller, TargetPeerId = Self, Sequence = 1 };

    private static World WorldOf(PeerIdentity caller) => new()
    {
        Revision = 1,
        Peers =
        {
            new PeerEntry { PeerId = Caller, IdentityKey = ByteString.CopyFrom(caller.PublicKey) },
            new PeerEntry { PeerId = Self, IdentityKey = ByteString.CopyFrom(new byte[] { 1 }) },
        },
    };
}
