using Pccl.Protocol.Messages;
using Pccl.Tests.Master.Support;
using Kind = Pccl.Protocol.Messages.ControlMessage.BodyOneofCase;

namespace Pccl.Tests.Master;

public class PendingPeersTests
{
    private readonly MasterScenario _s = new();

    [Fact]
    public void TheAnswerComesOnlyWhenEveryAcceptedPeerHasAsked()
    {
        var (a, b, c) = Three();

        _s.Send(a, Msg.PendingVote());
        _s.Send(b, Msg.PendingVote());
        Assert.All(new[] { a, b, c }, p => p.GotNothing());

        _s.Send(c, Msg.PendingVote());

        Assert.All(new[] { a, b, c }, p => p.Got(Kind.PendingPeersResult));
    }

    [Fact]
    public void EveryoneGetsTheSameAnswerTrueWhenAPeerWaits()
    {
        var (a, b, c) = Three();
        var waiting = _s.Register("w");

        foreach (var p in new[] { a, b, c })
        {
            _s.Send(p, Msg.PendingVote());
        }

        Assert.All(new[] { a, b, c }, p => Assert.True(p.One(Kind.PendingPeersResult).PendingPeersResult.Pending));
        waiting.GotNothing();
    }

    [Fact]
    public void TheAnswerIsFalseWhenNobodyWaits()
    {
        var (a, b, c) = Three();

        foreach (var p in new[] { a, b, c })
        {
            _s.Send(p, Msg.PendingVote());
        }

        Assert.All(new[] { a, b, c }, p => Assert.False(p.One(Kind.PendingPeersResult).PendingPeersResult.Pending));
    }

    [Fact]
    public void TheAnswerReflectsPeersThatRegisteredWhileTheVoteWasOpen()
    {
        var (a, b, _) = Three();
        _s.Send(a, Msg.PendingVote());
        _s.Send(b, Msg.PendingVote());
        _s.Register("late");

        _s.Send(_s.AcceptedPeers().Last(), Msg.PendingVote());

        Assert.True(a.One(Kind.PendingPeersResult).PendingPeersResult.Pending);
    }

    [Fact]
    public void ALonePeerIsAnsweredAtOnce()
    {
        var a = _s.Join("a");
        _s.Register("b");

        _s.Send(a, Msg.PendingVote());

        Assert.True(a.One(Kind.PendingPeersResult).PendingPeersResult.Pending);
    }

    [Fact]
    public void VotesResetAfterTheAnswerSoTheNextStepCanAskAgain()
    {
        var (a, b, c) = Three();
        foreach (var p in new[] { a, b, c })
        {
            _s.Send(p, Msg.PendingVote());
        }

        Assert.All(_s.State.Accepted, p => Assert.False(p.VotedPending));
        _s.Send(a, Msg.PendingVote());

        a.GotNothing();
        Assert.False(a.Closed);
    }

    [Fact]
    public void AskingTwiceInOneRoundIsKicked()
    {
        var (a, b, _) = Three();
        _s.Send(a, Msg.PendingVote());

        _s.Send(a, Msg.PendingVote());

        Assert.Contains("twice", a.WasKicked(KickReason.IllegalState));
        _s.AssertKickBeforeClose(a);
        b.Got(Kind.WorldChanged);
    }

    [Fact]
    public void AWaitingPeerAskingIsKicked()
    {
        _s.Join("a");
        var w = _s.Register("w");

        _s.Send(w, Msg.PendingVote());

        Assert.Contains("not accepted", w.WasKicked(KickReason.IllegalState));
        _s.AssertKickBeforeClose(w);
    }

    [Fact]
    public void AJoiningPeerAskingIsKicked()
    {
        _s.Join("a");
        var j = _s.Register("j");
        _s.AllAcceptedVoteTopology();

        _s.Send(j, Msg.PendingVote());

        Assert.Contains("joining", j.WasKicked(KickReason.IllegalState));
    }

    [Fact]
    public void ThePendingVoteAndTheTopologyVoteAreIndependent()
    {
        var (a, b) = (_s.Join("a"), _s.Join("b"));
        _s.Register("w");

        _s.Send(a, Msg.PendingVote());
        _s.Send(a, Msg.TopologyVote());
        _s.Send(b, Msg.PendingVote());

        a.Got(Kind.PendingPeersResult);
        Assert.Null(_s.State.Topology);
        _s.Send(b, Msg.TopologyVote());
        a.Got(Kind.TopologyUpdate);
    }

    private (SimPeer A, SimPeer B, SimPeer C) Three()
    {
        var peers = _s.Form("a", "b", "c");
        return (peers[0], peers[1], peers[2]);
    }
}
