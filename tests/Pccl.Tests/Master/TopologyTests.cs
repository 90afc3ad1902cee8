using Pccl.Master.Core;
using Pccl.Protocol.Messages;
using Pccl.Tests.Master.Support;
using Kind = Pccl.Protocol.Messages.ControlMessage.BodyOneofCase;

namespace Pccl.Tests.Master;

public class TopologyTests
{
    private readonly MasterScenario _s = new();

    [Fact]
    public void TheRoundSendsTheNewWorldToEveryParticipantOldAndNew()
    {
        var (a, b) = (_s.Join("a"), _s.Join("b"));
        var c = _s.Register("c", group: 1);
        var d = _s.Register("d");
        var before = _s.State.WorldRevision;

        _s.AllAcceptedVoteTopology();

        Assert.Equal(before + 1, _s.State.WorldRevision);
        foreach (var p in new[] { a, b, c, d })
        {
            p.Got(Kind.TopologyUpdate);
            var world = p.One(Kind.TopologyUpdate).TopologyUpdate.World;
            Assert.Equal(_s.State.WorldRevision, world.Revision);
            Assert.Equal(WorldExtensions.Ids(a, b, c, d), world.PeerIds());
            Assert.Equal([$"0:{a.Id},{b.Id},{d.Id}", $"1:{c.Id}"], world.RingsText());
        }

        Assert.Equal(PeerPhase.Joining, _s.PhaseOf(c));
        Assert.Equal(PeerPhase.Accepted, _s.PhaseOf(a));
    }

    [Fact]
    public void TheRoundCompletesOnlyWhenTheLastParticipantReportsSuccess()
    {
        var (a, b) = (_s.Join("a"), _s.Join("b"));
        var c = _s.Register("c");
        _s.AllAcceptedVoteTopology();

        _s.Send(c, Msg.Connected());
        _s.Send(a, Msg.Connected());
        Assert.All(new[] { a, b, c }, p => p.GotNothing());
        Assert.NotNull(_s.State.Topology);

        _s.Send(b, Msg.Connected());

        foreach (var p in new[] { a, b, c })
        {
            p.Got(Kind.TopologyComplete);
            Assert.Equal(WorldExtensions.Ids(a, b, c), p.One(Kind.TopologyComplete).TopologyComplete.World.PeerIds());
        }

        Assert.Equal(PeerPhase.Accepted, _s.PhaseOf(c));
        Assert.Equal([c.Id], _s.Reports.Where(r => r.Change == MembershipChange.Accepted).Select(r => r.PeerId));
        Assert.Null(_s.State.Topology);
    }

    [Fact]
    public void AnyFailureFailsTheRoundForEveryoneAndSendsJoinersBackToWaiting()
    {
        var (a, b) = (_s.Join("a"), _s.Join("b"));
        var c = _s.Register("c");
        var d = _s.Register("d");
        _s.AllAcceptedVoteTopology();
        var duringRound = _s.State.WorldRevision;

        _s.Send(a, Msg.Connected());
        _s.Send(c, Msg.ConnectFailed("connection refused by 10.0.0.4:7118"));
        _s.Send(d, Msg.Connected());
        Assert.All(new[] { a, b, c, d }, p => p.GotNothing());
        _s.Send(b, Msg.Connected());

        foreach (var p in new[] { a, b, c, d })
        {
            p.Got(Kind.TopologyFailed);
            var failed = p.One(Kind.TopologyFailed).TopologyFailed;
            Assert.Equal([c.Id], failed.FailedPeerIds);
            Assert.Contains($"peer {c.Id}", failed.Reason);
            Assert.Contains("connection refused by 10.0.0.4:7118", failed.Reason);
        }

        Assert.Equal(PeerPhase.Registered, _s.PhaseOf(c));
        Assert.Equal(PeerPhase.Registered, _s.PhaseOf(d));
        Assert.Equal(PeerPhase.Accepted, _s.PhaseOf(a));
        Assert.True(_s.State.WorldRevision > duringRound);
        Assert.Null(_s.State.Topology);
    }

    [Fact]
    public void EveryFailureIsNamedInTheReason()
    {
        var (a, b) = (_s.Join("a"), _s.Join("b"));
        var c = _s.Register("c");
        _s.AllAcceptedVoteTopology();

        _s.Send(a, Msg.ConnectFailed("timeout to b"));
        _s.Send(b, Msg.Connected());
        _s.Send(c, Msg.ConnectFailed("refused by a"));

        var failed = a.One(Kind.TopologyFailed).TopologyFailed;
        Assert.Equal([a.Id, c.Id], failed.FailedPeerIds.Order());
        Assert.Contains("timeout to b", failed.Reason);
        Assert.Contains("refused by a", failed.Reason);
    }

    [Fact]
    public void AfterAFailedRoundMembersVoteAgainAndTheSameJoinersAreRetried()
    {
        var (a, b) = (_s.Join("a"), _s.Join("b"));
        var c = _s.Register("c");
        _s.AllAcceptedVoteTopology();
        _s.Send(a, Msg.ConnectFailed("flaky"));
        _s.Send(b, Msg.Connected());
        _s.Send(c, Msg.Connected());

        _s.AllAcceptedVoteTopology();

        Assert.All(new[] { a, b, c }, p => p.Got(Kind.TopologyUpdate));
        _s.ConnectEveryone();
        Assert.Equal(PeerPhase.Accepted, _s.PhaseOf(c));
    }

    [Fact]
    public void AVoteWithNobodyWaitingRunsARoundWithoutJoinersAndKeepsTheRevision()
    {
        var (a, b) = (_s.Join("a"), _s.Join("b"));
        var revision = _s.State.WorldRevision;

        _s.AllAcceptedVoteTopology();

        Assert.Empty(_s.State.Topology!.Joiners);
        Assert.Equal(revision, a.One(Kind.TopologyUpdate).TopologyUpdate.World.Revision);
        _s.ConnectEveryone();
        a.Got(Kind.TopologyComplete);
        b.Got(Kind.TopologyComplete);
        Assert.Equal(revision, _s.State.WorldRevision);
    }

    [Fact]
    public void VotesAreResetWhenTheRoundStartsSoMembersCanVoteAgainLater()
    {
        var (a, b) = (_s.Join("a"), _s.Join("b"));
        _s.AllAcceptedVoteTopology();
        Assert.All(_s.State.Accepted, p => Assert.False(p.VotedTopology));
        _s.ConnectEveryone();
        _s.Register("c");

        _s.Send(a, Msg.TopologyVote());
        Assert.Null(_s.State.Topology);
        _s.Send(b, Msg.TopologyVote());

        Assert.NotNull(_s.State.Topology);
    }

    [Fact]
    public void APeerRegisteringDuringARoundWaitsForTheNextOne()
    {
        var a = _s.Join("a");
        _s.Register("b");
        _s.AllAcceptedVoteTopology();

        var c = _s.Register("c");
        _s.ConnectEveryone();

        Assert.Equal(PeerPhase.Registered, _s.PhaseOf(c));
        Assert.DoesNotContain(c.Id, a.KnownWorld!.PeerIds());
    }

    [Fact]
    public void AcceptedPeersKeepTheirPhaseDuringARound()
    {
        var a = _s.Join("a");
        _s.Register("b");

        _s.AllAcceptedVoteTopology();

        Assert.Equal(PeerPhase.Accepted, _s.PhaseOf(a));
        Assert.Equal([a.Id], _s.State.Accepted.Select(p => p.Id));
    }

    [Fact]
    public void ARevisionIsCarriedInTheCompletedWorld()
    {
        var a = _s.Join("a");
        var first = a.KnownWorld!.Revision;

        _s.Join("b");

        Assert.True(a.KnownWorld!.Revision > first);
        Assert.Equal(_s.State.WorldRevision, a.KnownWorld.Revision);
    }
}
