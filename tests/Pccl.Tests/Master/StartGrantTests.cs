using Pccl.Master.Core;
using Pccl.Protocol.Messages;
using Pccl.Tests.Master.Support;
using Kind = Pccl.Protocol.Messages.ControlMessage.BodyOneofCase;

namespace Pccl.Tests.Master;

/// <summary>Start grants in the master core: who gets one, taking it, and every way it is cancelled or aborted.</summary>
public class StartGrantTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(5);
    private readonly MasterScenario _s = new(new MasterLimits { VoteTimeout = Limit });

    [Fact]
    public void ACompletionGrantsTheNextOperationOnItsTagWithItsParametersLaneAndRing()
    {
        var (a, b) = Two();
        var first = _s.Run(3, a, b);

        Finish(3, first, a, b);

        var grant = Grant(a);
        Assert.Equal(grant, Grant(b));
        Assert.Equal((3U, first + 1, a.Starts[3].Lane, a.Starts[3].RingRevision), (grant.Start.Tag, grant.Start.Sequence, grant.Start.Lane, grant.Start.RingRevision));
        Assert.Empty(grant.Start.Ring); // both were sent this revision's ring in the first start
        Assert.Equal(Msg.Init(3).CollectiveInit.Parameters, grant.Parameters);
        Assert.True(_s.State.Collectives[(0, 3)].Running);
    }

    [Fact]
    public void PeersTakingTheGrantGetNoStartAndTheirCompletionGrantsTheNext()
    {
        var (a, b) = Two();
        var first = _s.Run(1, a, b);
        Finish(1, first, a, b);
        var granted = Grant(a).Start.Sequence;

        _s.Send(a, Take(1, granted));
        _s.Send(b, Take(1, granted));
        a.GotNothing();
        b.GotNothing();
        _s.Send(a, Msg.Done(1, granted));
        _s.Send(b, Msg.Done(1, granted));

        Assert.Equal(granted, a.One(Kind.CollectiveComplete).CollectiveComplete.Sequence);
        Assert.Equal(granted + 1, Grant(b).Start.Sequence);
    }

    [Fact]
    public void NoGrantWhenAPeerDoesNotTakeGrants()
    {
        var a = Join("a");
        var b = _s.Join("b"); // registers without takes_grants
        var first = _s.Run(1, a, b);

        Finish(1, first, a, b);

        Assert.Null(a.One(Kind.CollectiveComplete).CollectiveComplete.Grant);
        Assert.False(_s.State.Collectives.ContainsKey((0, 1)));
    }

    [Fact]
    public void NoGrantWhileAPeerWaitsToBeAdmitted()
    {
        var (a, b) = Two();
        var first = _s.Run(1, a, b);
        _s.Register("joiner");

        Finish(1, first, a, b);

        Assert.Null(a.One(Kind.CollectiveComplete).CollectiveComplete.Grant);
    }

    [Fact]
    public void AnInitWithOtherParametersCancelsTheGrantForEveryParticipantThenGathersAsUsual()
    {
        var (a, b) = Two();
        Finish(1, _s.Run(1, a, b), a, b);
        var granted = Grant(a).Start.Sequence;
        _s.Send(b, Take(1, granted)); // b runs it already

        _s.Send(a, Msg.Init(1, count: 2048));

        foreach (var p in new[] { a, b })
        {
            var abort = p.One(Kind.CollectiveAbort).CollectiveAbort;
            Assert.Equal((granted, CollectiveFailure.GrantCancelled), (abort.Sequence, abort.Failure));
            Assert.Contains($"peer {a.Id} asked for an all-reduce on tag 1", abort.Reason);
        }

        _s.Send(b, Msg.Init(1, count: 2048)); // b's retry, with a's parameters
        Assert.Equal(granted + 1, a.One(Kind.CollectiveStart).CollectiveStart.Sequence);
        Assert.Equal(granted + 1, b.One(Kind.CollectiveStart).CollectiveStart.Sequence);
    }

    [Fact]
    public void ALateTakeOfACancelledGrantIsIgnored()
    {
        var (a, b) = Two();
        Finish(1, _s.Run(1, a, b), a, b);
        var granted = Grant(a).Start.Sequence;
        _s.Send(a, Msg.Init(1, count: 2048));

        _s.Send(b, Take(1, granted)); // crossed the abort on the way

        b.GotNothing();
        Assert.False(b.Closed);
        Assert.False(_s.State.Collectives[(0, 1)].Running); // a's init still gathers
    }

    [Theory]
    [InlineData("topology")]
    [InlineData("sync")]
    public void AVoteOrSyncFromAPeerThatDidNotTakeTheGrantCancelsIt(string request)
    {
        var (a, b) = Two();
        Finish(1, _s.Run(1, a, b), a, b);
        var granted = Grant(a).Start.Sequence;

        _s.Send(a, request == "topology" ? Msg.TopologyVote() : Msg.SyncRequest(1, ("w", 1UL)));

        Assert.Equal(CollectiveFailure.GrantCancelled, a.One(Kind.CollectiveAbort).CollectiveAbort.Failure);
        Assert.Equal(granted, b.One(Kind.CollectiveAbort).CollectiveAbort.Sequence);
        Assert.False(_s.State.Collectives.ContainsKey((0, 1)));
    }

    [Fact]
    public void APendingPeersQuestionLeavesTheGrant()
    {
        var (a, b) = Two();
        Finish(1, _s.Run(1, a, b), a, b);

        _s.Send(a, Msg.PendingVote());
        _s.Send(b, Msg.PendingVote());

        Assert.True(_s.State.Collectives[(0, 1)].Running);
        a.Got(Kind.PendingPeersResult);
    }

    [Fact]
    public void ACancelledGrantPausesGrantsOnItsTag()
    {
        var (a, b) = Two();
        Finish(1, _s.Run(1, a, b), a, b);
        _s.Send(a, Msg.Init(1, count: 2048));
        _s.Send(b, Msg.Init(1, count: 2048));
        Finish(1, b.One(Kind.CollectiveStart).CollectiveStart.Sequence, a, b);
        Assert.Null(a.One(Kind.CollectiveComplete).CollectiveComplete.Grant);

        for (var i = 1; i < MasterCore.GrantPauseAfterCancel; i++)
        {
            Finish(1, _s.Run(1, a, b), a, b);
            Assert.Null(a.One(Kind.CollectiveComplete).CollectiveComplete.Grant);
        }

        Finish(1, _s.Run(1, a, b), a, b);
        Assert.NotNull(a.One(Kind.CollectiveComplete).CollectiveComplete.Grant);
    }

    [Fact]
    public void AVoteCancelsWithoutPausingGrants()
    {
        var (a, b) = Two();
        Finish(1, _s.Run(1, a, b), a, b);
        _s.Send(a, Msg.TopologyVote());
        _s.Send(b, Msg.TopologyVote());
        _s.ConnectEveryone();

        Finish(1, _s.Run(1, a, b), a, b);

        Assert.NotNull(a.One(Kind.CollectiveComplete).CollectiveComplete.Grant);
    }

    [Fact]
    public void APeerLostWhileOthersRunTheGrantedOperationAbortsItForThem()
    {
        var (a, b) = Two();
        var c = Join("c");
        Finish(1, _s.Run(1, a, b, c), a, b, c);
        var granted = Grant(a).Start.Sequence;
        _s.Send(a, Take(1, granted));

        _s.Drop(c);

        foreach (var p in new[] { a, b })
        {
            var abort = p.One(Kind.CollectiveAbort).CollectiveAbort;
            Assert.Equal((granted, CollectiveFailure.PeerLost, c.Id), (abort.Sequence, abort.Failure, abort.LostPeerId));
        }
    }

    [Fact]
    public void AFailedPeerAbortsTheOthersOfTheGrantedOperation()
    {
        var (a, b) = Two();
        Finish(1, _s.Run(1, a, b), a, b);
        var granted = Grant(a).Start.Sequence;
        _s.Send(a, Take(1, granted));

        _s.Send(a, Msg.Done(1, granted, success: false, error: "link cut"));

        Assert.Equal(CollectiveFailure.PeerFailed, b.One(Kind.CollectiveAbort).CollectiveAbort.Failure);
    }

    [Fact]
    public void ADoneForAGrantNotTakenCountsForNothing()
    {
        var (a, b) = Two();
        Finish(1, _s.Run(1, a, b), a, b);
        var granted = Grant(a).Start.Sequence;

        _s.Send(a, Msg.Done(1, granted));
        _s.Send(b, Msg.Done(1, granted));

        Assert.Empty(_s.State.Collectives[(0, 1)].Done);
        a.GotNothing();
        b.GotNothing();
    }

    [Fact]
    public void TakingTheGrantWithOtherParametersAbortsItAsAMismatch()
    {
        var (a, b) = Two();
        Finish(1, _s.Run(1, a, b), a, b);
        var granted = Grant(a).Start.Sequence;

        _s.Send(a, Take(1, granted, count: 4096));

        Assert.Equal(CollectiveFailure.Mismatch, b.One(Kind.CollectiveAbort).CollectiveAbort.Failure);
    }

    [Fact]
    public void AGrantInAHierarchicalGroupCarriesItsHierarchy()
    {
        var a = Join("a", "dc0");
        var b = Join("b", "dc1");
        Finish(1, _s.Run(1, a, b), a, b);

        Assert.Equal(a.Starts[1].Hierarchy, Grant(a).Start.Hierarchy);
        Assert.NotEmpty(Grant(b).Start.Hierarchy);
    }

    [Fact]
    public void APeerThatDoesNotTakeAGrantTheOthersTookIsKickedAfterTheVoteTimeout()
    {
        var (a, b) = Two();
        Finish(1, _s.Run(1, a, b), a, b);
        var granted = Grant(a).Start.Sequence;
        _s.Advance(Limit); // an untaken grant holds nobody
        Assert.False(b.Closed);

        _s.Send(a, Take(1, granted));
        _s.Advance(Limit);

        Assert.Contains("take the start grant on tag 1", b.WasKicked(KickReason.DeadlineMissed));
        Assert.Equal(CollectiveFailure.PeerLost, a.One(Kind.CollectiveAbort).CollectiveAbort.Failure);
    }

    private (SimPeer A, SimPeer B) Two() => (Join("a"), Join("b"));

    /// <summary>Registers a peer that takes grants, as the library's peers do by default, and admits it.</summary>
    private SimPeer Join(string name, string region = "")
    {
        var peer = _s.Open(name);
        _s.Send(peer, new ControlMessage { Register = new Register { P2PPort = 7118, KeepsRing = true, TakesGrants = true, Region = region } });
        if (!peer.Kinds.Contains(Kind.TopologyUpdate))
        {
            _s.AllAcceptedVoteTopology();
        }

        _s.ConnectEveryone();
        return peer;
    }

    private void Finish(uint tag, ulong sequence, params SimPeer[] peers)
    {
        foreach (var p in peers)
        {
            _s.Send(p, Msg.Done(tag, sequence));
        }

        Assert.All(peers, p => p.Got(Kind.CollectiveComplete));
    }

    private static CollectiveGrant Grant(SimPeer peer) =>
        peer.One(Kind.CollectiveComplete).CollectiveComplete.Grant ?? throw new Xunit.Sdk.XunitException($"{peer.Name}'s complete carried no grant");

    private static ControlMessage Take(uint tag, ulong sequence, ulong count = 1024)
    {
        var init = Msg.Init(tag, count: count);
        init.CollectiveInit.GrantedSequence = sequence;
        return init;
    }
}
