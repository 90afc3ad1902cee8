using Pccl.Master.Core;
using Pccl.Protocol.Messages;
using Pccl.Tests.Master.Support;
using Kind = Pccl.Protocol.Messages.ControlMessage.BodyOneofCase;

namespace Pccl.Tests.Master;

/// <summary>A peer vanishes in every phase; the survivors must never be left waiting for it.</summary>
public class DisconnectTests
{
    private readonly MasterScenario _s = new();

    [Fact]
    public void AWaitingPeerLeavesWithoutDisturbingAnyone()
    {
        var (a, b) = (_s.Join("a"), _s.Join("b"));
        var w = _s.Register("w");
        var revision = _s.State.WorldRevision;

        _s.Drop(w, "heartbeat timeout");

        a.GotNothing();
        b.GotNothing();
        Assert.Equal(revision, _s.State.WorldRevision);
        Assert.Equal([(MembershipChange.Left, w.Id)], _s.Reports.Select(r => (r.Change, r.PeerId)));
        Assert.Empty(_s.State.Waiting);
        Assert.DoesNotContain(w.ConnectionId, _s.State.Connections.Keys);
    }

    [Fact]
    public void AnIdleAcceptedPeerLeavingShrinksTheWorldForTheSurvivors()
    {
        var (a, b, c) = Three();
        var revision = _s.State.WorldRevision;

        _s.Drop(b, "heartbeat timeout");

        foreach (var p in new[] { a, c })
        {
            p.Got(Kind.WorldChanged);
            var changed = p.One(Kind.WorldChanged).WorldChanged;
            Assert.Equal(b.Id, changed.LostPeerId);
            Assert.Equal("heartbeat timeout", changed.Reason);
            Assert.Equal(WorldExtensions.Ids(a, c), changed.World.PeerIds());
            Assert.Equal([$"0:{a.Id},{c.Id}"], changed.World.RingsText());
            Assert.Equal(revision + 1, changed.World.Revision);
        }

        Assert.Equal(revision + 1, _s.State.WorldRevision);
    }

    [Fact]
    public void ASilentPeerIsKickedAndTheSurvivorsHearWhyItWasLost()
    {
        var (a, b, c) = Three();

        _s.Apply(new PeerSilent(b.ConnectionId, "heartbeat timeout: no heartbeat for 600 ms", "no heartbeat for 600 ms (limit 500 ms); check the firewall"));

        Assert.Equal("no heartbeat for 600 ms (limit 500 ms); check the firewall", b.WasKicked(KickReason.HeartbeatTimeout));
        _s.AssertKickBeforeClose(b);
        Assert.Equal(
            [(MembershipChange.Kicked, b.Id, "HeartbeatTimeout: no heartbeat for 600 ms (limit 500 ms); check the firewall"),
             (MembershipChange.Left, b.Id, "heartbeat timeout: no heartbeat for 600 ms")],
            _s.Reports.Select(r => (r.Change, r.PeerId, r.Detail)));
        Assert.Contains(new ForgetHeartbeat(b.Id), _s.Commands);
        foreach (var p in new[] { a, c })
        {
            Assert.Equal("heartbeat timeout: no heartbeat for 600 ms", p.One(Kind.WorldChanged).WorldChanged.Reason);
        }

        Assert.Empty(_s.Apply(new PeerSilent(b.ConnectionId, "late", "late"))); // already gone: nothing to kick
    }

    [Fact]
    public void TheLastNonVoterLeavingStartsTheRoundTheOthersVotedFor()
    {
        var (a, b, c) = Three();
        var w = _s.Register("w");
        _s.Send(a, Msg.TopologyVote());
        _s.Send(b, Msg.TopologyVote());

        _s.Drop(c);

        a.Got(Kind.WorldChanged, Kind.TopologyUpdate);
        b.Got(Kind.WorldChanged, Kind.TopologyUpdate);
        w.Got(Kind.TopologyUpdate);
        Assert.Equal(WorldExtensions.Ids(a, b, w), a.One(Kind.TopologyUpdate).TopologyUpdate.World.PeerIds());
        _s.ConnectEveryone();
        Assert.Equal(PeerPhase.Accepted, _s.PhaseOf(w));
    }

    [Fact]
    public void AVoterLeavingLeavesTheOthersVoteOpen()
    {
        var (a, b, c) = Three();
        _s.Register("w");
        _s.Send(a, Msg.TopologyVote());

        _s.Drop(a);

        b.Got(Kind.WorldChanged);
        c.Got(Kind.WorldChanged);
        Assert.Null(_s.State.Topology);
        _s.Send(b, Msg.TopologyVote());
        _s.Send(c, Msg.TopologyVote());
        b.Got(Kind.TopologyUpdate);
    }

    [Fact]
    public void AJoinerLostAfterTheOthersReportedFailsTheRoundAtOnce()
    {
        var (a, b) = (_s.Join("a"), _s.Join("b"));
        var j = _s.Register("j");
        var k = _s.Register("k");
        _s.AllAcceptedVoteTopology();
        _s.Send(a, Msg.Connected());
        _s.Send(b, Msg.Connected());
        _s.Send(k, Msg.Connected());

        _s.Drop(j, "connection reset");

        a.Got(Kind.TopologyFailed, Kind.WorldChanged);
        b.Got(Kind.TopologyFailed, Kind.WorldChanged);
        k.Got(Kind.TopologyFailed);
        var failed = a.One(Kind.TopologyFailed).TopologyFailed;
        Assert.Equal([j.Id], failed.FailedPeerIds);
        Assert.Contains($"peer {j.Id} was lost", failed.Reason);
        Assert.Equal(PeerPhase.Registered, _s.PhaseOf(k));
        Assert.Equal(WorldExtensions.Ids(a, b), a.One(Kind.WorldChanged).WorldChanged.World.PeerIds());
        Assert.Null(_s.State.Topology);
    }

    [Fact]
    public void AJoinerLostBeforeTheOthersReportedFailsTheRoundAtOnceAndTheirLateReportsAreDropped()
    {
        var (a, b) = (_s.Join("a"), _s.Join("b"));
        var j = _s.Register("j");
        var k = _s.Register("k");
        _s.AllAcceptedVoteTopology();
        var failedRound = a.One(Kind.TopologyUpdate).TopologyUpdate.World.Revision;

        // a may be dialling j, frozen: its kernel accepts and nothing answers until network.connect_timeout_ms
        _s.Drop(j, "heartbeat timeout");

        a.Got(Kind.TopologyFailed, Kind.WorldChanged);
        b.Got(Kind.TopologyFailed, Kind.WorldChanged);
        k.Got(Kind.TopologyFailed);
        Assert.Contains($"peer {j.Id} was lost during the topology update (heartbeat timeout)", a.One(Kind.TopologyFailed).TopologyFailed.Reason);
        Assert.Null(_s.State.Topology);
        Assert.Equal(PeerPhase.Registered, _s.PhaseOf(k));

        _s.Send(a, Msg.ConnectFailed($"peer {j.Id} unreachable", failedRound));
        _s.Send(b, Msg.Connected(failedRound));
        _s.AllAcceptedVoteTopology();
        var next = a.One(Kind.TopologyUpdate).TopologyUpdate.World;
        Assert.True(next.Revision > failedRound, $"the next round announces revision {next.Revision}, not one after the failed round's {failedRound}");
        Assert.Equal(WorldExtensions.Ids(a, b, k), next.PeerIds());

        // k's report of the failed round comes only now, during the next one: it is not counted for it
        _s.Send(k, Msg.Connected(failedRound));
        Assert.Equal(WorldExtensions.Ids(a, b, k), _s.State.Topology!.Awaiting.Order());
        _s.Send(a, Msg.Connected(next.Revision));
        _s.Send(b, Msg.Connected(next.Revision));
        _s.Send(k, Msg.Connected(next.Revision));
        Assert.All(new[] { a, b, k }, p => Assert.False(p.Closed, $"{p.Name} was removed: {p.CloseReason}"));
        Assert.Equal(PeerPhase.Accepted, _s.PhaseOf(k));
        Assert.Empty(_s.State.LateConnectReports);
    }

    [Fact]
    public void AnOldMemberLostDuringTheRoundFailsItAndTheJoinersWaitAgain()
    {
        var (a, b) = (_s.Join("a"), _s.Join("b"));
        var j = _s.Register("j");
        _s.AllAcceptedVoteTopology();
        _s.Send(a, Msg.Connected());
        _s.Send(j, Msg.Connected());

        _s.Drop(b, "heartbeat timeout");

        a.Got(Kind.TopologyFailed, Kind.WorldChanged);
        j.Got(Kind.TopologyFailed);
        Assert.Contains($"peer {b.Id} was lost during the topology update (heartbeat timeout)", a.One(Kind.TopologyFailed).TopologyFailed.Reason);
        Assert.Equal(PeerPhase.Registered, _s.PhaseOf(j));
        Assert.Equal([a.Id], a.One(Kind.WorldChanged).WorldChanged.World.PeerIds());

        _s.AllAcceptedVoteTopology();
        j.Got(Kind.TopologyUpdate);
    }

    [Fact]
    public void TheOnlyOldMemberLostDuringTheRoundLetsTheJoinersInWithoutAVote()
    {
        var a = _s.Join("a");
        var j = _s.Register("j");
        var k = _s.Register("k");
        _s.AllAcceptedVoteTopology();
        _s.Send(j, Msg.Connected());
        _s.Send(k, Msg.Connected());

        _s.Drop(a);

        // Nobody is accepted any more, so nobody could vote: the waiting peers are admitted by a round of their own.
        j.Got(Kind.TopologyFailed, Kind.TopologyUpdate);
        k.Got(Kind.TopologyFailed, Kind.TopologyUpdate);
        Assert.Equal(WorldExtensions.Ids(j, k), j.One(Kind.TopologyUpdate).TopologyUpdate.World.PeerIds());
        _s.ConnectEveryone();
        Assert.Equal(2, _s.State.Accepted.Count());
    }

    [Fact]
    public void TheFirstPeerLostDuringItsAdmissionLetsTheNextWaitingPeerIn()
    {
        var a = _s.Register("a");
        var b = _s.Register("b");

        _s.Drop(a);

        b.Got(Kind.TopologyUpdate);
        _s.ConnectEveryone();
        Assert.Equal(PeerPhase.Accepted, _s.PhaseOf(b));
    }

    [Fact]
    public void TheLastAcceptedPeerLeavingLetsTheWaitingPeersIn()
    {
        var a = _s.Join("a");
        var w = _s.Register("w");
        var x = _s.Register("x");

        _s.Send(a, Msg.Goodbye());

        w.Got(Kind.TopologyUpdate);
        x.Got(Kind.TopologyUpdate);
        _s.ConnectEveryone();
        Assert.Equal(WorldExtensions.Ids(w, x), _s.State.Accepted.Select(p => p.Id).Order());
    }

    [Fact]
    public void TheLastNonAskerLeavingAnswersThePendingVote()
    {
        var (a, b, c) = Three();
        _s.Register("w");
        _s.Send(a, Msg.PendingVote());
        _s.Send(b, Msg.PendingVote());

        _s.Drop(c);

        a.Got(Kind.WorldChanged, Kind.PendingPeersResult);
        b.Got(Kind.WorldChanged, Kind.PendingPeersResult);
        Assert.True(a.One(Kind.PendingPeersResult).PendingPeersResult.Pending);
    }

    [Fact]
    public void AnAskerLeavingLeavesTheOthersVoteOpen()
    {
        var (a, b, c) = Three();
        _s.Send(a, Msg.PendingVote());

        _s.Drop(a);

        b.Got(Kind.WorldChanged);
        _s.Send(b, Msg.PendingVote());
        _s.Send(c, Msg.PendingVote());
        Assert.False(c.One(Kind.PendingPeersResult).PendingPeersResult.Pending);
    }

    [Fact]
    public void APeerLostAfterItInitedLeavesTheGatheringToTheSurvivors()
    {
        var (a, b, c) = Three();
        _s.Send(a, Msg.Init(1));
        _s.Send(b, Msg.Init(1));

        _s.Drop(a, "heartbeat timeout");

        b.Got(Kind.WorldChanged);
        c.Got(Kind.WorldChanged);
        Assert.Equal([b.Id], _s.State.Collectives[(0, 1)].Inits.Keys);

        _s.Send(c, Msg.Init(1));
        Assert.Equal(WorldExtensions.Ids(b, c), b.Starts[1].Ring);
        Assert.Equal(WorldExtensions.Ids(b, c), c.Starts[1].Ring);
    }

    [Fact]
    public void APeerLostBeforeItInitedStartsTheGatheringWithTheSurvivors()
    {
        var (a, b, c) = Three();
        _s.Send(a, Msg.Init(1));
        _s.Send(b, Msg.Init(1));

        _s.Drop(c);

        a.Got(Kind.WorldChanged, Kind.CollectiveStart);
        b.Got(Kind.WorldChanged, Kind.CollectiveStart);
        Assert.Equal(WorldExtensions.Ids(a, b), a.Starts[1].Ring);
        Assert.True(_s.State.Collectives[(0, 1)].Running);
    }

    [Fact]
    public void APeerLostDuringARunningCollectiveAbortsItForEveryParticipant()
    {
        var (a, b, c) = Three();
        var seq = _s.Run(1, a, b, c);
        _s.Send(a, Msg.Done(1, seq));

        _s.Drop(b, "connection reset by peer");

        foreach (var p in new[] { a, c })
        {
            p.Got(Kind.CollectiveAbort, Kind.WorldChanged);
            var abort = p.One(Kind.CollectiveAbort).CollectiveAbort;
            Assert.Equal((CollectiveFailure.PeerLost, b.Id, 1U, seq), (abort.Failure, abort.LostPeerId, abort.Tag, abort.Sequence));
        }

        Assert.Empty(_s.Send(c, Msg.Done(1, seq)));
        Assert.Empty(_s.State.Collectives);
    }

    [Fact]
    public void APeerLostAbortsEveryRunningCollectiveOfItsGroupButNoOther()
    {
        var peers = _s.Form(("a", 0), ("b", 0), ("c", 0), ("x", 1), ("y", 1));
        var (a, b, c, x, y) = (peers[0], peers[1], peers[2], peers[3], peers[4]);
        _s.Run(1, a, b, c);
        _s.Run(2, a, b, c);
        _s.Send(a, Msg.Init(3));
        var other = _s.Run(1, x, y);

        _s.Drop(c);

        a.Got(Kind.CollectiveAbort, Kind.CollectiveAbort, Kind.WorldChanged);
        b.Got(Kind.CollectiveAbort, Kind.CollectiveAbort, Kind.WorldChanged);
        x.Got(Kind.WorldChanged);
        Assert.Equal([(0U, 3U), (1U, 1U)], _s.State.Collectives.Keys.Select(k => (k.Group, k.Tag)).Order());
        _s.Send(x, Msg.Done(1, other));
        _s.Send(y, Msg.Done(1, other));
        x.Got(Kind.CollectiveComplete);
    }

    [Fact]
    public void AKickedPeerCountsAsLostForEveryConsensus()
    {
        var (a, b, c) = Three();
        _s.Register("w");
        _s.Send(a, Msg.TopologyVote());
        _s.Send(b, Msg.TopologyVote());

        _s.Send(c, Msg.Connected()); // illegal outside a round

        c.WasKicked(KickReason.IllegalState);
        a.Got(Kind.WorldChanged, Kind.TopologyUpdate);
    }

    [Fact]
    public void EveryoneLeavingEmptiesTheMaster()
    {
        var (a, b, c) = Three();
        _s.Run(1, a, b, c);
        _s.Register("w");

        foreach (var p in _s.Connections.Where(p => !p.Closed).ToList())
        {
            _s.Drop(p);
        }

        Assert.Empty(_s.State.Peers);
        Assert.Empty(_s.State.Connections);
        Assert.Empty(_s.State.PeerByConnection);
        Assert.Empty(_s.State.Collectives);
        Assert.Null(_s.State.Topology);
    }

    [Fact]
    public void ClosingTheSameConnectionTwiceChangesNothing()
    {
        var (a, b, _) = Three();
        _s.Drop(b);
        var revision = _s.State.WorldRevision;

        Assert.Empty(_s.Drop(b));
        Assert.Equal(revision, _s.State.WorldRevision);
        a.GotNothing();
    }

    [Fact]
    public void AnUnregisteredConnectionClosingChangesNothing()
    {
        var (a, _, _) = Three();
        var stranger = _s.Open("stranger");

        Assert.Empty(_s.Drop(stranger));
        a.GotNothing();
    }

    private (SimPeer A, SimPeer B, SimPeer C) Three()
    {
        var peers = _s.Form("a", "b", "c");
        return (peers[0], peers[1], peers[2]);
    }
}
