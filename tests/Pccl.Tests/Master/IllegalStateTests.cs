using Pccl.Master.Core;
using Pccl.Protocol.Messages;
using Pccl.Tests.Master.Support;
using Kind = Pccl.Protocol.Messages.ControlMessage.BodyOneofCase;

namespace Pccl.Tests.Master;

/// <summary>Messages a peer may not send in its phase: the peer is told why, then its connection is closed.</summary>
public class IllegalStateTests
{
    private readonly MasterScenario _s = new();

    [Fact]
    public void ATopologyVoteFromAWaitingPeerIsKicked()
    {
        var a = _s.Join("a");
        var w = _s.Register("w");

        _s.Send(w, Msg.TopologyVote());

        Assert.Contains("while registered, not accepted", w.WasKicked(KickReason.IllegalState));
        _s.AssertKickBeforeClose(w);
        a.GotNothing();
        Assert.Contains(_s.Reports, r => r.Change == MembershipChange.Kicked && r.PeerId == w.Id && r.Detail.Contains("IllegalState"));
    }

    [Fact]
    public void ATopologyVoteFromAJoiningPeerIsKicked()
    {
        _s.Join("a");
        var j = _s.Register("j");
        _s.AllAcceptedVoteTopology();

        _s.Send(j, Msg.TopologyVote());

        Assert.Contains("while joining, not accepted", j.WasKicked(KickReason.IllegalState));
    }

    [Fact]
    public void ADoubleTopologyVoteIsKicked()
    {
        var (a, b) = (_s.Join("a"), _s.Join("b"));
        _s.Send(a, Msg.TopologyVote());

        _s.Send(a, Msg.TopologyVote());

        Assert.Contains("twice", a.WasKicked(KickReason.IllegalState));
        _s.AssertKickBeforeClose(a);
        b.Got(Kind.WorldChanged);
    }

    [Fact]
    public void ATopologyVoteDuringARoundIsKicked()
    {
        var (a, _) = (_s.Join("a"), _s.Join("b"));
        _s.Register("c");
        _s.AllAcceptedVoteTopology();

        _s.Send(a, Msg.TopologyVote());

        a.WasKicked(KickReason.IllegalState);
    }

    [Fact]
    public void AConnectResultOutsideARoundIsKicked()
    {
        var (a, b) = (_s.Join("a"), _s.Join("b"));

        _s.Send(a, Msg.Connected());

        Assert.Contains("outside a topology update", a.WasKicked(KickReason.IllegalState));
        _s.AssertKickBeforeClose(a);
        b.Got(Kind.WorldChanged);
    }

    [Fact]
    public void AConnectResultFromAWaitingPeerDuringARoundIsKicked()
    {
        _s.Join("a");
        _s.Register("j");
        _s.AllAcceptedVoteTopology();
        var late = _s.Register("late");

        _s.Send(late, Msg.ConnectFailed("not in this round"));

        late.WasKicked(KickReason.IllegalState);
        Assert.Empty(_s.State.Topology!.Failures);
    }

    [Fact]
    public void ASecondConnectResultInOneRoundIsKickedAndFailsTheRound()
    {
        var (a, b) = (_s.Join("a"), _s.Join("b"));
        var j = _s.Register("j");
        _s.AllAcceptedVoteTopology();
        _s.Send(a, Msg.Connected());

        _s.Send(a, Msg.Connected());

        a.WasKicked(KickReason.IllegalState);
        var failed = b.One(Kind.TopologyFailed).TopologyFailed;
        Assert.Contains(a.Id, failed.FailedPeerIds);
        Assert.Equal(PeerPhase.Registered, _s.PhaseOf(j));
    }

    [Theory]
    [InlineData("Registered")]
    [InlineData("TopologyUpdate")]
    [InlineData("Kick")]
    [InlineData("CollectiveStart")]
    [InlineData("None")]
    public void AMessageOnlyTheMasterSendsIsKickedWithItsName(string name)
    {
        var kind = Enum.Parse<Kind>(name);
        var (a, b) = (_s.Join("a"), _s.Join("b"));

        _s.Send(b, RegistrationTests.MessageOf(kind));

        Assert.Contains(kind.ToString(), b.WasKicked(KickReason.IllegalState));
        a.Got(Kind.WorldChanged);
    }

    [Fact]
    public void AKickedPeersLaterMessagesAndCloseAreIgnored()
    {
        var (a, b) = (_s.Join("a"), _s.Join("b"));
        _s.Send(b, Msg.Connected());

        Assert.Empty(_s.Send(b, Msg.TopologyVote()));
        Assert.Empty(_s.Drop(b, "socket closed after kick"));
        Assert.False(a.Closed);
    }
}
