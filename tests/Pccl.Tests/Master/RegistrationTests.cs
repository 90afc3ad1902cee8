using Pccl.Master.Core;
using Pccl.Protocol.Messages;
using Pccl.Tests.Master.Support;
using Kind = Pccl.Protocol.Messages.ControlMessage.BodyOneofCase;

namespace Pccl.Tests.Master;

public class RegistrationTests
{
    private readonly MasterScenario _s = new();

    [Fact]
    public void FirstPeerGetsItsIdAndObservedAddressAndIsAdmittedByARoundWithoutVoters()
    {
        var a = _s.Register("a", group: 3, address: "10.1.2.3", port: 7120, region: "eu");

        a.Got(Kind.Registered, Kind.TopologyUpdate);
        var registered = a.One(Kind.Registered).Registered;
        Assert.Equal(1UL, registered.PeerId);
        Assert.Equal("10.1.2.3", registered.ObservedAddress);
        var world = a.One(Kind.TopologyUpdate).TopologyUpdate.World;
        var entry = Assert.Single(world.Peers);
        Assert.Equal((1UL, "10.1.2.3", 7120U, 3U, "eu"), (entry.PeerId, entry.Address, entry.P2PPort, entry.Group, entry.Region));
        Assert.Equal(["3:1"], world.RingsText());
        Assert.Equal(PeerPhase.Joining, _s.PhaseOf(a));
        Assert.Contains(_s.Reports, r => r.Change == MembershipChange.Registered && r.PeerId == 1);

        _s.Send(a, Msg.Connected(world.Revision));

        a.Got(Kind.TopologyComplete);
        Assert.Equal([1UL], a.One(Kind.TopologyComplete).TopologyComplete.World.PeerIds());
        Assert.Equal(PeerPhase.Accepted, _s.PhaseOf(a));
        Assert.Contains(_s.Reports, r => r.Change == MembershipChange.Accepted && r.PeerId == 1);
    }

    [Fact]
    public void IdsAreAssignedInOrderAndNeverReused()
    {
        var a = _s.Register("a");
        var b = _s.Register("b");
        _s.Drop(b);
        var c = _s.Register("c");

        Assert.Equal([1UL, 2UL, 3UL], new[] { a.Id, b.Id, c.Id });
    }

    [Fact]
    public void EveryPeerLearnsTheMastersIncarnationWhichARestartedMasterDrawsAnew()
    {
        var a = _s.Register("a");
        var b = _s.Register("b");
        var again = new MasterScenario().Register("a again");

        var incarnation = a.Inbox[0].Registered.MasterIncarnation;
        Assert.NotEqual(0UL, incarnation);
        Assert.Equal(incarnation, b.Inbox[0].Registered.MasterIncarnation);
        // ids start over with the restart; the incarnation is what tells the two masters apart
        Assert.Equal(a.Id, again.Id);
        Assert.NotEqual(incarnation, again.Inbox[0].Registered.MasterIncarnation);
    }

    [Fact]
    public void EachPeerLearnsTheAddressTheMasterObservedForIt()
    {
        var a = _s.Register("a", address: "192.168.7.7");
        var b = _s.Register("b", address: "fd00::17");

        Assert.Equal("192.168.7.7", a.Inbox[0].Registered.ObservedAddress);
        Assert.Equal("fd00::17", b.Inbox[0].Registered.ObservedAddress);
        Assert.Equal("fd00::17", _s.PeerOf(b).Address);
    }

    [Fact]
    public void ALaterPeerWaitsWithoutDisturbingTheAcceptedPeers()
    {
        var (a, b) = (_s.Join("a"), _s.Join("b"));

        var c = _s.Register("c");

        c.Got(Kind.Registered);
        a.GotNothing();
        b.GotNothing();
        Assert.Equal(PeerPhase.Registered, _s.PhaseOf(c));
        Assert.Equal([c.Id], _s.State.Waiting.Select(p => p.Id));
    }

    [Fact]
    public void ALaterPeerIsAdmittedOnlyWhenEveryAcceptedPeerHasVoted()
    {
        var (a, b) = (_s.Join("a"), _s.Join("b"));
        var c = _s.Register("c");

        _s.Send(a, Msg.TopologyVote());
        Assert.All(new[] { a, b, c }, p => p.GotNothing());
        Assert.Null(_s.State.Topology);

        _s.Send(b, Msg.TopologyVote());
        Assert.All(new[] { a, b, c }, p => p.Got(Kind.TopologyUpdate));
    }

    [Fact]
    public void APeerRegisteringDuringTheFirstPeersRoundWaitsForAVote()
    {
        var a = _s.Register("a");
        var b = _s.Register("b");

        b.Got(Kind.Registered);
        a.GotNothing();

        _s.Send(a, Msg.Connected());

        a.Got(Kind.TopologyComplete);
        b.GotNothing();
        Assert.Equal([a.Id], a.KnownWorld!.PeerIds());
        Assert.Equal(PeerPhase.Registered, _s.PhaseOf(b));
    }

    [Fact]
    public void SeveralWaitingPeersAreAdmittedTogetherInOneRound()
    {
        var a = _s.Join("a");
        var b = _s.Register("b");
        var c = _s.Register("c");

        _s.Send(a, Msg.TopologyVote());

        Assert.Equal([a.Id, b.Id, c.Id], _s.State.Topology!.Participants.Order());
        Assert.Equal([b.Id, c.Id], _s.State.Topology.Joiners.Order());
        _s.ConnectEveryone();
        Assert.All(new[] { a, b, c }, p => Assert.Equal(PeerPhase.Accepted, _s.PhaseOf(p)));
    }

    [Fact]
    public void EveryWorldListsEachMembersIdentityKey()
    {
        var a = _s.Open("a");
        var register = Msg.Register();
        register.Register.IdentityKey = Google.Protobuf.ByteString.CopyFrom([.. Enumerable.Range(0, 91).Select(i => (byte)i)]);
        _s.Send(a, register);

        var entry = Assert.Single(a.One(Kind.TopologyUpdate).TopologyUpdate.World.Peers);
        Assert.Equal(register.Register.IdentityKey, entry.IdentityKey);
    }

    [Fact]
    public void AnIdentityKeyOver256BytesIsRefusedWithTheReason()
    {
        var a = _s.Open("a");
        var register = Msg.Register();
        register.Register.IdentityKey = Google.Protobuf.ByteString.CopyFrom(new byte[257]);
        _s.Send(a, register);

        Assert.Contains("p2p identity key of 257 bytes", a.WasKicked(KickReason.ProtocolViolation));
        _s.AssertKickBeforeClose(a);
        Assert.Empty(_s.State.Peers);
    }

    [Theory]
    [InlineData(0U)]
    [InlineData(65536U)]
    [InlineData(uint.MaxValue)]
    public void AnInvalidP2PPortIsRefusedWithTheReason(uint port)
    {
        var a = _s.Register("a", port: port);

        var message = a.WasKicked(KickReason.ProtocolViolation);
        Assert.Contains($"p2p port {port}", message);
        _s.AssertKickBeforeClose(a);
        Assert.Empty(_s.State.Peers);
        Assert.Empty(_s.State.Connections);
    }

    [Theory]
    [InlineData(1U)]
    [InlineData(65535U)]
    public void EdgePortsAreAccepted(uint port)
    {
        var a = _s.Register("a", port: port);

        a.Got(Kind.Registered, Kind.TopologyUpdate);
        Assert.Equal(port, _s.PeerOf(a).P2PPort);
    }

    [Theory]
    [InlineData("127.0.0.1", "10.0.0.2")]
    [InlineData("10.0.0.2", "127.0.0.1")]
    [InlineData("::1", "192.168.1.5")]
    [InlineData("192.168.1.5", "::1")]
    [InlineData("::ffff:127.0.0.1", "10.0.0.2")]
    [InlineData("10.0.0.2", "::ffff:127.0.0.1")]
    public void MixingLoopbackAndNonLoopbackPeersIsRefusedWithTheReason(string first, string second)
    {
        var a = _s.Join("a", address: first);

        var b = _s.Register("b", address: second);

        var message = b.WasKicked(KickReason.LoopbackMix);
        Assert.Contains(first, message);
        Assert.Contains(second, message);
        Assert.Contains("same kind of address", message);
        _s.AssertKickBeforeClose(b);
        a.GotNothing();
        Assert.Equal([a.Id], _s.State.Peers.Keys);
    }

    [Fact]
    public void AWaitingPeerAlsoCountsForTheLoopbackCheck()
    {
        _s.Join("a", address: "127.0.0.1");
        _s.Register("b", address: "127.0.0.2");
        var c = _s.Register("c", address: "10.9.9.9");

        Assert.Contains("127.0.0.1", c.WasKicked(KickReason.LoopbackMix));
    }

    [Fact]
    public void LoopbackPeersMayJoinEachOther()
    {
        _s.Join("a", address: "127.0.0.1");
        var b = _s.Join("b", address: "127.0.0.1");
        var c = _s.Join("c", address: "::1");
        _s.Join("d", address: "::ffff:127.0.0.1");

        Assert.False(c.Closed);
        Assert.Equal(4, _s.State.Accepted.Count());
        Assert.Equal(PeerPhase.Accepted, _s.PhaseOf(b));
    }

    [Fact]
    public void RegisterTwiceIsKicked()
    {
        var a = _s.Join("a");
        var b = _s.Join("b");

        _s.Send(b, Msg.Register());

        Assert.Contains("Register", b.WasKicked(KickReason.IllegalState));
        _s.AssertKickBeforeClose(b);
        a.Got(Kind.WorldChanged);
        Assert.Contains(_s.Reports, r => r.Change == MembershipChange.Kicked && r.PeerId == b.Id);
        Assert.Contains(_s.Reports, r => r.Change == MembershipChange.Left && r.PeerId == b.Id);
    }

    [Theory]
    [InlineData("TopologyVote")]
    [InlineData("PendingPeersVote")]
    [InlineData("P2PConnectResult")]
    [InlineData("CollectiveInit")]
    [InlineData("CollectiveDone")]
    [InlineData("Goodbye")]
    [InlineData("Registered")]
    [InlineData("None")]
    public void AnyMessageBeforeRegisterIsKickedWithItsName(string name)
    {
        var kind = Enum.Parse<Kind>(name);
        var a = _s.Join("a");
        var stranger = _s.Open("stranger");

        _s.Send(stranger, MessageOf(kind));

        var message = stranger.WasKicked(KickReason.IllegalState);
        Assert.Contains(kind.ToString(), message);
        Assert.Contains("before registering", message);
        _s.AssertKickBeforeClose(stranger);
        a.GotNothing();
        Assert.DoesNotContain(_s.Reports, r => r.Change == MembershipChange.Left);
    }

    [Fact]
    public void MessagesOnAClosedOrUnknownConnectionAreIgnored()
    {
        var a = _s.Join("a");
        var b = _s.Register("b");
        _s.Drop(b);

        Assert.Empty(_s.Apply(new MessageReceived(b.ConnectionId, Msg.TopologyVote())));
        Assert.Empty(_s.Apply(new MessageReceived(9999, Msg.Register())));
        Assert.Empty(_s.Apply(new ConnectionClosed(9999, "never opened")));
        Assert.False(a.Closed);
    }

    [Fact]
    public void AnAcceptedPeerSayingGoodbyeIsClosedAndTheOthersLearnOfIt()
    {
        var (a, b) = (_s.Join("a"), _s.Join("b"));

        _s.Send(b, Msg.Goodbye());

        Assert.True(b.Closed);
        b.GotNothing();
        var changed = a.One(Kind.WorldChanged).WorldChanged;
        Assert.Equal(b.Id, changed.LostPeerId);
        Assert.Equal([a.Id], changed.World.PeerIds());
        Assert.Contains(_s.Reports, r => r.Change == MembershipChange.Left && r.PeerId == b.Id);
        Assert.DoesNotContain(_s.Reports, r => r.Change == MembershipChange.Kicked);
        Assert.False(_s.State.Peers.ContainsKey(b.Id));
    }

    [Fact]
    public void AWaitingPeerSayingGoodbyeLeavesQuietly()
    {
        var a = _s.Join("a");
        var b = _s.Register("b");
        var revision = _s.State.WorldRevision;

        _s.Send(b, Msg.Goodbye());

        Assert.True(b.Closed);
        a.GotNothing();
        Assert.Empty(_s.State.Waiting);
        Assert.Equal(revision, _s.State.WorldRevision);
    }

    internal static ControlMessage MessageOf(Kind kind) => kind switch
    {
        Kind.TopologyVote => Msg.TopologyVote(),
        Kind.PendingPeersVote => Msg.PendingVote(),
        Kind.P2PConnectResult => Msg.Connected(),
        Kind.CollectiveInit => Msg.Init(1),
        Kind.CollectiveDone => Msg.Done(1, 1),
        Kind.Goodbye => Msg.Goodbye(),
        Kind.Register => Msg.Register(),
        Kind.Registered => new ControlMessage { Registered = new Registered { PeerId = 5 } },
        Kind.TopologyUpdate => new ControlMessage { TopologyUpdate = new TopologyUpdate() },
        Kind.Kick => new ControlMessage { Kick = new Kick() },
        Kind.CollectiveStart => new ControlMessage { CollectiveStart = new CollectiveStart() },
        Kind.None => new ControlMessage(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
