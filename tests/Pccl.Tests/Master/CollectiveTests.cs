using Pccl.Protocol.Messages;
using Pccl.Tests.Master.Support;
using Kind = Pccl.Protocol.Messages.ControlMessage.BodyOneofCase;

namespace Pccl.Tests.Master;

public class CollectiveTests
{
    private readonly MasterScenario _s = new();

    [Fact]
    public void NothingStartsUntilEveryGroupMemberHasInited()
    {
        var (a, b, c) = Three();

        _s.Send(a, Msg.Init(1));
        _s.Send(b, Msg.Init(1));
        Assert.All(new[] { a, b, c }, p => p.GotNothing());

        _s.Send(c, Msg.Init(1));

        Assert.All(new[] { a, b, c }, p => p.Got(Kind.CollectiveStart));
    }

    [Fact]
    public void EveryMemberGetsTheSameStartWithSequenceRingAndLaneZero()
    {
        var (a, b, c) = Three();

        _s.Run(4, a, b, c);

        var start = a.Starts[4];
        Assert.Equal((4U, 1UL, 0U), (start.Tag, start.Sequence, start.Lane));
        Assert.Equal(WorldExtensions.Ids(a, b, c), start.Ring);
        Assert.Equal(start, b.Starts[4]);
        Assert.Equal(start, c.Starts[4]);
    }

    [Fact]
    public void SequencesIncreaseAcrossOperationsAndTags()
    {
        var (a, b, c) = Three();

        var first = _s.Run(1, a, b, c);
        var second = _s.Run(2, a, b, c);
        CompleteAll(1, first, a, b, c);
        var third = _s.Run(1, a, b, c);

        Assert.True(first < second && second < third, $"{first} {second} {third}");
    }

    [Fact]
    public void ConcurrentTagsGetDistinctLanesAndAFreedLaneIsReused()
    {
        var (a, b, c) = Three();

        _s.Run(10, a, b, c);
        var s20 = _s.Run(20, a, b, c);
        _s.Run(30, a, b, c);
        Assert.Equal([0U, 1U, 2U], new[] { a.Starts[10].Lane, a.Starts[20].Lane, a.Starts[30].Lane });

        CompleteAll(20, s20, a, b, c);
        _s.Run(40, a, b, c);

        Assert.Equal(1U, a.Starts[40].Lane);
    }

    [Fact]
    public void LanesAreCountedPerGroup()
    {
        var peers = _s.Form(("a", 0), ("b", 0), ("c", 1), ("d", 1));

        _s.Run(1, peers[0], peers[1]);
        _s.Run(1, peers[2], peers[3]);

        Assert.Equal(0U, peers[0].Starts[1].Lane);
        Assert.Equal(0U, peers[2].Starts[1].Lane);
        Assert.NotEqual(peers[0].Starts[1].Sequence, peers[2].Starts[1].Sequence);
    }

    [Fact]
    public void GroupsGatherIndependently()
    {
        var peers = _s.Form(("a", 0), ("b", 0), ("c", 1), ("d", 1));

        _s.Send(peers[0], Msg.Init(1));
        _s.Send(peers[2], Msg.Init(1));
        _s.Send(peers[3], Msg.Init(1));

        peers[2].Got(Kind.CollectiveStart);
        peers[0].GotNothing();
        Assert.Equal(WorldExtensions.Ids(peers[2], peers[3]), peers[2].Starts[1].Ring);
    }

    [Theory]
    [InlineData("element count", "1024", "2048")]
    [InlineData("data type", "F32", "F16")]
    [InlineData("reduce op", "Sum", "Max")]
    [InlineData("quantization", "None", "MinMaxU8")]
    [InlineData("compression", "off", "on")]
    [InlineData("ring chunk size", "4194304", "1048576")]
    public void AMismatchAbortsForEveryoneNamingWhatDiffered(string what, string expected, string actual)
    {
        var odd = what switch
        {
            "element count" => Msg.Init(1, count: 2048),
            "data type" => Msg.Init(1, type: DataType.F16),
            "reduce op" => Msg.Init(1, op: ReduceOp.Max),
            "quantization" => Msg.Init(1, quantization: Quantization.MinMaxU8),
            "ring chunk size" => Msg.Init(1, chunk: 1 << 20),
            _ => Msg.Init(1, compression: true),
        };
        var (a, b, c) = Three();

        _s.Send(a, Msg.Init(1));
        _s.Send(b, Msg.Init(1));
        _s.Send(c, odd);

        foreach (var p in new[] { a, b, c })
        {
            p.Got(Kind.CollectiveAbort);
            var abort = p.One(Kind.CollectiveAbort).CollectiveAbort;
            Assert.Equal(CollectiveFailure.Mismatch, abort.Failure);
            Assert.Equal(1U, abort.Tag);
            Assert.Contains(what, abort.Reason);
            Assert.Contains($"peer {a.Id} has {expected}", abort.Reason);
            Assert.Contains($"peer {c.Id} has {actual}", abort.Reason);
        }

        Assert.Empty(_s.State.Collectives);
    }

    [Fact]
    public void AfterAMismatchTheTagCanBeRetried()
    {
        var (a, b, c) = Three();
        SendMismatchedInits(1, a, b, c);

        _s.Run(1, a, b, c);

        Assert.Equal(1UL, a.Starts[1].Sequence);
    }

    [Fact]
    public void MissingParametersCountAsDefaultsAndStillMustAgree()
    {
        var (a, b) = (_s.Join("a"), _s.Join("b"));

        _s.Send(a, new ControlMessage { CollectiveInit = new CollectiveInit { Tag = 1 } });
        _s.Send(b, Msg.Init(1));

        Assert.Equal(CollectiveFailure.Mismatch, a.One(Kind.CollectiveAbort).CollectiveAbort.Failure);
    }

    [Fact]
    public void ALonePeerInItsGroupIsToldThereAreTooFewPeers()
    {
        var peers = _s.Form(("a", 0), ("b", 0), ("c", 1));

        _s.Send(peers[2], Msg.Init(3));

        var abort = peers[2].One(Kind.CollectiveAbort).CollectiveAbort;
        Assert.Equal(CollectiveFailure.TooFewPeers, abort.Failure);
        Assert.Equal(3U, abort.Tag);
        Assert.Contains("at least 2 peers", abort.Reason);
        peers[0].GotNothing();
        Assert.Empty(_s.State.Collectives);
    }

    [Fact]
    public void DoneFromEveryParticipantCompletesForEveryone()
    {
        var (a, b, c) = Three();
        var seq = _s.Run(1, a, b, c);

        _s.Send(a, Msg.Done(1, seq));
        _s.Send(b, Msg.Done(1, seq));
        Assert.All(new[] { a, b, c }, p => p.GotNothing());
        _s.Send(c, Msg.Done(1, seq));

        foreach (var p in new[] { a, b, c })
        {
            var complete = p.One(Kind.CollectiveComplete).CollectiveComplete;
            Assert.Equal((1U, seq), (complete.Tag, complete.Sequence));
        }

        Assert.Empty(_s.State.Collectives);
    }

    [Fact]
    public void ARepeatedDoneCountsOnce()
    {
        var (a, b, c) = Three();
        var seq = _s.Run(1, a, b, c);

        _s.Send(a, Msg.Done(1, seq));
        _s.Send(a, Msg.Done(1, seq));
        _s.Send(b, Msg.Done(1, seq));

        Assert.All(new[] { a, b, c }, p => p.GotNothing());
        Assert.False(a.Closed);
    }

    [Fact]
    public void AFailedDoneAbortsTheOthersWithTheError()
    {
        var (a, b, c) = Three();
        var seq = _s.Run(1, a, b, c);
        _s.Send(a, Msg.Done(1, seq));

        _s.Send(b, Msg.Done(1, seq, success: false, error: "checksum mismatch in slice 2"));

        b.GotNothing();
        foreach (var p in new[] { a, c })
        {
            var abort = p.One(Kind.CollectiveAbort).CollectiveAbort;
            Assert.Equal((CollectiveFailure.PeerFailed, 1U, seq), (abort.Failure, abort.Tag, abort.Sequence));
            Assert.Contains($"peer {b.Id}", abort.Reason);
            Assert.Contains("checksum mismatch in slice 2", abort.Reason);
        }

        Assert.Empty(_s.State.Collectives);
        Assert.False(b.Closed);
    }

    [Fact]
    public void LateAndStaleDonesAreIgnored()
    {
        var (a, b, c) = Three();
        var seq = _s.Run(1, a, b, c);
        _s.Send(b, Msg.Done(1, seq, success: false, error: "boom"));

        Assert.Empty(_s.Send(a, Msg.Done(1, seq)));
        Assert.Empty(_s.Send(c, Msg.Done(1, seq, success: false, error: "neighbour gone")));
        var next = _s.Run(1, a, b, c);
        Assert.Empty(_s.Send(a, Msg.Done(1, seq)));
        Assert.Empty(_s.Send(a, Msg.Done(1, next + 100)));
        Assert.Empty(_s.Send(a, Msg.Done(99, next)));
        Assert.Empty(_s.Send(a, Msg.Done(1, 0)));

        Assert.All(new[] { a, b, c }, p => Assert.False(p.Closed));
        Assert.Empty(_s.State.Collectives[(0, 1)].Done);
    }

    [Fact]
    public void ADoneDuringGatheringIsIgnored()
    {
        var (a, b, _) = Three();
        _s.Send(a, Msg.Init(1));

        Assert.Empty(_s.Send(b, Msg.Done(1, 0)));
        Assert.Empty(_s.Send(a, Msg.Done(1, 1)));
        Assert.False(_s.State.Collectives[(0, 1)].Running);
    }

    [Fact]
    public void AWithdrawalWhileGatheringIsAnsweredAndTheNextInitIsNotPairedWithIt()
    {
        var (a, b, c) = Three();
        _s.Send(a, Msg.Init(5, count: 16));

        _s.Send(a, Msg.Withdraw(5));

        Assert.Equal(5U, a.One(Kind.CollectiveWithdrawn).CollectiveWithdrawn.Tag);
        a.Got(Kind.CollectiveWithdrawn);
        b.GotNothing();
        Assert.Empty(_s.State.Collectives);

        // what the peer does once it has the answer: the others' inits meet its new one, not the withdrawn one
        _s.Send(b, Msg.Init(5, count: 2));
        _s.Send(c, Msg.Init(5, count: 2));
        _s.Send(a, Msg.Init(5, count: 2));
        Assert.All(new[] { a, b, c }, p => p.Got(Kind.CollectiveStart));
    }

    [Fact]
    public void AWithdrawalLeavesTheOthersGathering()
    {
        var (a, b, c) = Three();
        _s.Send(a, Msg.Init(5));
        _s.Send(b, Msg.Init(5));

        _s.Send(a, Msg.Withdraw(5));

        a.Got(Kind.CollectiveWithdrawn);
        b.GotNothing();
        Assert.Equal([b.Id], _s.State.Collectives[(0, 5)].Inits.Keys);
        _s.Send(c, Msg.Init(5));
        b.GotNothing();
        _s.Send(a, Msg.Init(5));
        Assert.All(new[] { a, b, c }, p => p.Got(Kind.CollectiveStart));
    }

    [Fact]
    public void AWithdrawalThatCrossedTheStartAbortsTheOthers()
    {
        var (a, b, c) = Three();
        var seq = _s.Run(5, a, b, c);

        _s.Send(a, Msg.Withdraw(5));

        a.Got(Kind.CollectiveWithdrawn);
        foreach (var p in new[] { b, c })
        {
            var abort = p.One(Kind.CollectiveAbort).CollectiveAbort;
            Assert.Equal((CollectiveFailure.PeerFailed, 5U, seq), (abort.Failure, abort.Tag, abort.Sequence));
            Assert.Contains($"peer {a.Id} withdrew", abort.Reason);
        }

        Assert.Empty(_s.State.Collectives);
        Assert.True(_s.Run(5, a, b, c) > seq);
    }

    [Fact]
    public void AWithdrawalIsAnsweredAlsoWhenAnAbortEndedTheRoundFirst()
    {
        var (a, b, c) = Three();
        SendMismatchedInits(5, a, b, c);
        c.Got(Kind.CollectiveAbort);

        _s.Send(c, Msg.Withdraw(5));

        c.Got(Kind.CollectiveWithdrawn);
        a.GotNothing();
        Assert.Empty(_s.State.Collectives);
    }

    [Fact]
    public void ADoneFromAnotherGroupDoesNotCount()
    {
        var peers = _s.Form(("a", 0), ("b", 0), ("c", 1), ("d", 1));
        var seq = _s.Run(1, peers[0], peers[1]);
        _s.Send(peers[0], Msg.Done(1, seq));

        Assert.Empty(_s.Send(peers[2], Msg.Done(1, seq)));
        Assert.Equal([peers[0].Id], _s.State.Collectives[(0, 1)].Done);
    }

    [Fact]
    public void ASecondInitOnARunningTagIsKickedAndTheOthersAborted()
    {
        var (a, b, c) = Three();
        var seq = _s.Run(1, a, b, c);

        _s.Send(b, Msg.Init(1));

        Assert.Contains("tag 1", b.WasKicked(KickReason.IllegalState));
        _s.AssertKickBeforeClose(b);
        foreach (var p in new[] { a, c })
        {
            var abort = p.One(Kind.CollectiveAbort).CollectiveAbort;
            Assert.Equal((CollectiveFailure.PeerLost, seq, b.Id), (abort.Failure, abort.Sequence, abort.LostPeerId));
        }
    }

    [Fact]
    public void ASecondInitWhileGatheringIsKicked()
    {
        var (a, b, _) = Three();
        _s.Send(a, Msg.Init(1));

        _s.Send(a, Msg.Init(1));

        a.WasKicked(KickReason.IllegalState);
        b.Got(Kind.WorldChanged);
    }

    [Fact]
    public void AnInitFromAWaitingPeerIsKicked()
    {
        var (a, b, _) = Three();
        var w = _s.Register("w");

        _s.Send(w, Msg.Init(1));

        Assert.Contains("registered, not accepted", w.WasKicked(KickReason.IllegalState));
        _s.AssertKickBeforeClose(w);
        a.GotNothing();
        b.GotNothing();
    }

    [Fact]
    public void AnInitFromAJoiningPeerIsKicked()
    {
        _s.Join("a");
        var j = _s.Register("j");
        _s.AllAcceptedVoteTopology();

        _s.Send(j, Msg.Init(1));

        Assert.Contains("joining, not accepted", j.WasKicked(KickReason.IllegalState));
    }

    private void CompleteAll(uint tag, ulong sequence, params SimPeer[] peers)
    {
        foreach (var p in peers)
        {
            _s.Send(p, Msg.Done(tag, sequence));
        }

        Assert.All(peers, p => p.Got(Kind.CollectiveComplete));
    }

    /// <summary>The last peer's element count differs, so the master aborts the tag's round for all three.</summary>
    private void SendMismatchedInits(uint tag, SimPeer a, SimPeer b, SimPeer c)
    {
        _s.Send(a, Msg.Init(tag));
        _s.Send(b, Msg.Init(tag));
        _s.Send(c, Msg.Init(tag, count: 1));
    }

    private (SimPeer A, SimPeer B, SimPeer C) Three()
    {
        var peers = _s.Form("a", "b", "c");
        return (peers[0], peers[1], peers[2]);
    }
}
