using Pccl.Master.Core;
using Pccl.Protocol.Messages;
using Pccl.Tests.Master.Support;
using Kind = Pccl.Protocol.Messages.ControlMessage.BodyOneofCase;

namespace Pccl.Tests.Master;

/// <summary>Every wait of the core ends: a peer that is alive but silent past a deadline is kicked, and the others go on.</summary>
public class DeadlineTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan JustBefore = Limit - Tick;

    private readonly MasterScenario _s = new(new MasterLimits
    {
        RegistrationTimeout = Limit, VoteTimeout = Limit, TopologyTimeout = Limit, SharedStateTimeout = Limit,
        SharedStateMinBytesPerSecond = long.MaxValue, // the 1 KiB tensors of these stories add nothing to the limit
    });

    [Fact]
    public void AJoinerThatNeverAnswersTheTopologyUpdate_IsKickedAtTheDeadline_AndTheMembersVoteAgainWithoutIt()
    {
        var (a, b) = Two();
        var silent = _s.Register("silent");
        _s.AllAcceptedVoteTopology();
        _s.Send(a, Msg.Connected());
        _s.Send(b, Msg.Connected());

        var message = KickedExactlyAtTheDeadline(silent);
        Assert.Contains("report its ring connections in the topology update within 5000 ms", message, StringComparison.Ordinal);
        Assert.Contains("raise fault_tolerance.topology_timeout_ms", message, StringComparison.Ordinal);
        Assert.All(new[] { a, b }, p => Assert.Contains(Kind.TopologyFailed, p.Kinds));
        Assert.Contains("topology_timeout_ms", a.Batch.Single(m => m.BodyCase == Kind.TopologyFailed).TopologyFailed.Reason, StringComparison.Ordinal);
        Assert.Contains(_s.Reports, r => r.Change == MembershipChange.Kicked && r.Detail.Contains("topology_timeout_ms", StringComparison.Ordinal));

        _s.AllAcceptedVoteTopology();
        _s.ConnectEveryone();
        Assert.All(new[] { a, b }, p => p.Got(Kind.TopologyComplete));
    }

    [Fact]
    public void AConnectionThatNeverRegisters_IsClosedAtTheRegistrationDeadline()
    {
        var idle = _s.Open("idle");

        Assert.Contains("fault_tolerance.registration_timeout_ms", KickedExactlyAtTheDeadline(idle), StringComparison.Ordinal);
        var report = Assert.Single(_s.Commands.OfType<ReportUnregisteredKick>());
        Assert.Equal(idle.Address, report.Address);
        Assert.StartsWith("DeadlineMissed: deadline missed: did not register within 5000 ms", report.Detail, StringComparison.Ordinal);
        Assert.Empty(_s.State.Connections);
    }

    [Fact]
    public void AConnectionThatRegistersInTime_IsNotClosedLater()
    {
        var peer = _s.Open("peer");
        _s.Advance(JustBefore);
        _s.Send(peer, Msg.Register());
        _s.ConnectEveryone(); // alone, it is admitted by a round of its own

        _s.Advance(Limit * 3);

        Assert.False(peer.Closed);
        Assert.Equal(PeerPhase.Accepted, _s.PhaseOf(peer));
    }

    [Fact]
    public void AMemberThatNeverVotes_IsKickedAtTheVoteDeadline_AndTheVotersRoundStarts()
    {
        var (a, b) = Two();
        var joiner = _s.Register("joiner");
        _s.Advance(Limit); // time before the first vote does not count
        _s.Send(a, Msg.TopologyVote());

        Assert.Contains("fault_tolerance.vote_timeout_ms", KickedExactlyAtTheDeadline(b), StringComparison.Ordinal);
        Assert.Contains(Kind.TopologyUpdate, a.Kinds);
        Assert.Contains(Kind.TopologyUpdate, joiner.Kinds);
    }

    [Fact]
    public void AVoteWhoseVotersAllLeft_StartsANewClockWithTheNextVote()
    {
        var (a, b, c) = Three();
        _s.Send(a, Msg.TopologyVote());
        _s.Drop(a);
        _s.Advance(Limit);
        _s.Send(b, Msg.TopologyVote());

        KickedExactlyAtTheDeadline(c);
    }

    [Fact]
    public void AMemberThatNeverAsksWhetherPeersArePending_IsKicked_AndTheOthersGetTheirAnswer()
    {
        var (a, b) = Two();
        _s.Send(a, Msg.PendingVote());

        Assert.Contains("ask whether peers are pending", KickedExactlyAtTheDeadline(b), StringComparison.Ordinal);
        Assert.Contains(Kind.PendingPeersResult, a.Kinds);
    }

    [Fact]
    public void AMemberThatNeverStartsACollective_IsKicked_AndTheOthersRunItWithoutIt()
    {
        var (a, b, c) = Three();
        _s.Send(a, Msg.Init(7));
        _s.Send(b, Msg.Init(7));

        Assert.Contains("start the collective on tag 7", KickedExactlyAtTheDeadline(c), StringComparison.Ordinal);
        var start = a.One(Kind.CollectiveStart).CollectiveStart;
        Assert.Equal([a.Id, b.Id], start.Ring.Order());
        Assert.Contains(Kind.CollectiveStart, b.Kinds);
    }

    [Fact]
    public void ARunningCollective_HasNoDeadline_AndItsParticipantsAreNotLateForAnotherGroupsVoteUntilItEnds()
    {
        var (a, b, c, d) = TwoGroups();
        var sequence = _s.Run(1, c, d);
        _s.Send(a, Msg.PendingVote());
        _s.Send(b, Msg.PendingVote());

        _s.Advance(Limit * 3);

        Assert.False(a.Closed || b.Closed || c.Closed || d.Closed);
        _s.Send(c, Msg.Done(1, sequence));
        _s.Send(d, Msg.Done(1, sequence));
        Assert.Contains(Kind.CollectiveComplete, d.Kinds);

        Assert.Contains("ask whether peers are pending", KickedExactlyAtTheDeadline(c), StringComparison.Ordinal);
        Assert.True(d.Closed);
        Assert.Contains(Kind.PendingPeersResult, a.Kinds);
    }

    [Fact]
    public void AGroupReceivingItsSharedState_IsNotLateForAnotherGroupsTopologyVoteUntilTheTransferEnds()
    {
        var s = new MasterScenario(new MasterLimits
        {
            RegistrationTimeout = Limit, VoteTimeout = Limit, TopologyTimeout = Limit, SharedStateTimeout = Limit * 10,
        });
        var peers = s.Form(("a", 0), ("b", 0), ("c", 1), ("d", 1));
        var (a, b, c, d) = (peers[0], peers[1], peers[2], peers[3]);
        s.Send(c, Msg.SyncRequest(1, ("w", 11)));
        s.Send(d, Msg.SyncRequest(0, ("w", 99)));
        var plan = d.One(Kind.SharedStateTransferPlan).SharedStateTransferPlan;
        Assert.NotEmpty(plan.Receive);
        s.Send(a, Msg.TopologyVote());
        s.Send(b, Msg.TopologyVote());

        s.Advance(Limit * 3);

        Assert.False(a.Closed || b.Closed || c.Closed || d.Closed);
        s.Send(d, new ControlMessage { SharedStateSyncDone = new SharedStateSyncDone { Sequence = plan.Sequence, Success = true } });
        Assert.Contains(Kind.SharedStateSyncComplete, c.Kinds);

        s.Advance(JustBefore);
        Assert.False(c.Closed || d.Closed);
        s.Advance(Tick);
        Assert.Contains("vote to update the topology", c.WasKicked(KickReason.DeadlineMissed), StringComparison.Ordinal);
        Assert.True(d.Closed);
        Assert.Contains(Kind.TopologyUpdate, a.Kinds);
    }

    [Fact]
    public void AMemberThatNeverRequestsTheSharedStateSync_IsKicked_AndTheOthersSync()
    {
        var (a, b, c) = Three();
        _s.Send(a, Msg.SyncRequest(1, ("w", 11)));
        _s.Send(b, Msg.SyncRequest(1, ("w", 11)));

        Assert.Contains("request the shared-state sync", KickedExactlyAtTheDeadline(c), StringComparison.Ordinal);
        Assert.Contains(Kind.SharedStateTransferPlan, a.Kinds);
        Assert.Contains(Kind.SharedStateSyncComplete, a.Kinds);
    }

    [Fact]
    public void AReceiverThatNeverReportsItsTransfer_IsKickedAtTheSharedStateDeadline_AndTheOthersComplete()
    {
        var (a, b, c) = Three();
        _s.Send(a, Msg.SyncRequest(1, ("w", 11)));
        _s.Send(b, Msg.SyncRequest(1, ("w", 11)));
        _s.Send(c, Msg.SyncRequest(0, ("w", 99)));
        Assert.Contains(Kind.SharedStateTransferPlan, c.Kinds);
        Assert.NotEmpty(c.One(Kind.SharedStateTransferPlan).SharedStateTransferPlan.Receive);

        Assert.Contains("fault_tolerance.shared_state_timeout_ms", KickedExactlyAtTheDeadline(c), StringComparison.Ordinal);
        Assert.All(new[] { a, b }, p => Assert.Contains(Kind.SharedStateSyncComplete, p.Kinds));
    }

    [Fact]
    public void AReceiverOfALargeState_MayTakeItsPlannedBytesAtTheMinimumRate_BeyondTheBaseLimit()
    {
        var s = new MasterScenario(new MasterLimits { VoteTimeout = Limit, SharedStateTimeout = Limit, SharedStateMinBytesPerSecond = 1_000 });
        var peers = s.Form("a", "b");
        s.Send(peers[0], Sync(1, 11, 10_000));
        s.Send(peers[1], Sync(0, 99, 10_000));
        Assert.Equal(10_000UL, peers[1].One(Kind.SharedStateTransferPlan).SharedStateTransferPlan.Receive.Single().ByteLength);

        s.Advance(Limit);
        s.Advance(TimeSpan.FromSeconds(10) - Tick);
        Assert.False(peers[1].Closed, "a receiver of 10000 bytes at 1000 bytes/s was kicked before base + 10 s");

        s.Advance(Tick);
        var message = peers[1].WasKicked(KickReason.DeadlineMissed);
        Assert.Contains("receive its shared state within 15000 ms", message, StringComparison.Ordinal);
        Assert.Contains("shared_state_min_bytes_per_s", message, StringComparison.Ordinal);
        Assert.Contains(Kind.SharedStateSyncComplete, peers[0].Kinds);
    }

    private static ControlMessage Sync(ulong revision, ulong hash, ulong bytes)
    {
        var request = new SharedStateSyncRequest { Revision = revision };
        request.Tensors.Add(new SharedStateTensorInfo { Key = "w", DataType = DataType.F32, ByteLength = bytes, Hash = hash });
        return new() { SharedStateSyncRequest = request };
    }

    /// <summary>Lets time pass to just before the deadline (nobody is kicked, nothing is sent), then one tick more; returns the kick's text.</summary>
    private string KickedExactlyAtTheDeadline(SimPeer late)
    {
        _s.Advance(JustBefore);
        Assert.False(late.Closed, $"{late} was kicked before its deadline");
        Assert.Empty(_s.Commands);

        _s.Advance(Tick);
        return late.WasKicked(KickReason.DeadlineMissed);
    }

    private (SimPeer, SimPeer) Two()
    {
        var peers = _s.Form("a", "b");
        return (peers[0], peers[1]);
    }

    private (SimPeer, SimPeer, SimPeer, SimPeer) TwoGroups()
    {
        var peers = _s.Form(("a", 0), ("b", 0), ("c", 1), ("d", 1));
        return (peers[0], peers[1], peers[2], peers[3]);
    }

    private (SimPeer, SimPeer, SimPeer) Three()
    {
        var peers = _s.Form("a", "b", "c");
        return (peers[0], peers[1], peers[2]);
    }
}
