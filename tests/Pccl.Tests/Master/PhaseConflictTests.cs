using Pccl.Protocol.Messages;
using Pccl.Tests.Master.Support;
using Kind = Pccl.Protocol.Messages.ControlMessage.BodyOneofCase;

namespace Pccl.Tests.Master;

/// <summary>
/// Peers that come back to a new master in two phases: some (told that the last sync completed) start the step's
/// all-reduce, the others (not told) synchronise again. Neither gathering can finish without the other side.
/// </summary>
public class PhaseConflictTests
{
    private readonly MasterScenario _s = new();

    [Fact]
    public void ACollectiveWhoseOtherMembersAllSyncIsAbortedRetryablyOnceTheLastOfThemAsks()
    {
        var (a, b, c) = (_s.Join("a"), _s.Join("b"), _s.Join("c"));
        _s.Send(a, Msg.Init(0));
        _s.Send(b, Msg.SyncRequest(7, ("w", 1)));
        a.GotNothing();

        _s.Send(c, Msg.SyncRequest(7, ("w", 1)));

        var abort = a.One(Kind.CollectiveAbort).CollectiveAbort;
        Assert.Equal(CollectiveFailure.PeerFailed, abort.Failure);
        Assert.Contains($"peers {b.Id}, {c.Id} of group 0 are synchronising shared state", abort.Reason, StringComparison.Ordinal);
        Assert.Empty(_s.State.Collectives);
        b.GotNothing();

        _s.Send(a, Msg.SyncRequest(7, ("w", 1)));
        Assert.All(new[] { a, b, c }, p => Assert.Contains(Kind.SharedStateTransferPlan, p.Kinds));
    }

    [Fact]
    public void ACollectiveStartedAfterTheOthersAskedToSyncIsAbortedAtOnce()
    {
        var (a, b, c) = (_s.Join("a"), _s.Join("b"), _s.Join("c"));
        _s.Send(b, Msg.SyncRequest(7, ("w", 1)));
        _s.Send(c, Msg.SyncRequest(7, ("w", 1)));

        _s.Send(a, Msg.Init(0));

        Assert.Equal(CollectiveFailure.PeerFailed, a.One(Kind.CollectiveAbort).CollectiveAbort.Failure);
        Assert.False(a.Closed, a.CloseReason);
    }

    [Fact]
    public void NothingIsAbortedWhileAMemberHasChosenNeither()
    {
        var (a, b, _) = (_s.Join("a"), _s.Join("b"), _s.Join("c"));
        _s.Send(a, Msg.Init(0));

        _s.Send(b, Msg.SyncRequest(7, ("w", 1)));

        a.GotNothing();
        Assert.Single(_s.State.Collectives);
    }

    [Fact]
    public void AfterTheGroupsFirstSyncUnderThisMasterASplitIsLeftToTheVoteTimeout()
    {
        var (a, b, c) = (_s.Join("a"), _s.Join("b"), _s.Join("c"));
        foreach (var p in new[] { a, b, c })
        {
            _s.Send(p, Msg.SyncRequest(7, ("w", 1)));
        }

        Assert.Contains(Kind.SharedStateSyncComplete, a.Kinds);
        _s.Send(a, Msg.Init(0));
        _s.Send(b, Msg.SyncRequest(8, ("w", 1)));
        _s.Send(c, Msg.SyncRequest(8, ("w", 1)));

        a.GotNothing();
        Assert.Single(_s.State.Collectives);
    }
}
