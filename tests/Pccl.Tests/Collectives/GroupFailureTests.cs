using Pccl.Operations.Collectives;
using Pccl.Protocol.Messages;

namespace Pccl.Tests.Collectives;

/// <summary>
/// What a peer whose all-reduce failed throws: the master's reason for the abort, which every participant hears, when
/// another peer or the master itself caused it, so a survivor that first saw only its neighbour close names the cause;
/// the kick when the master removed this peer; its own failure when its own report caused the abort, when the master is
/// lost, or when no abort comes in time.
/// </summary>
public sealed class GroupFailureTests
{
    private const ulong Self = 7;
    private const ulong Other = 9;
    private const ulong Sequence = 41;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task AnAbortAfterThisPeerFailedGivesTheMastersReasonWithWhatThisPeerSaw()
    {
        using var call = Started();
        var seenHere = new PcclException(PcclErrorCode.PeerLost, "the ring neighbour closed the connection while this peer was reading its frames", true);
        call.Fail(seenHere);

        Assert.True(call.OnMessage(Abort(CollectiveFailure.PeerLost, "heartbeat timeout: no heartbeat for 512 ms", lostPeer: 3, failedBy: 0)));
        var failure = await AllReduceDriver.GroupFailureAsync(call, Patience, TestContext.Current.CancellationToken);

        Assert.NotNull(failure);
        Assert.Equal(PcclErrorCode.PeerLost, failure.Code);
        Assert.Contains("no heartbeat for 512 ms", failure.Message, StringComparison.Ordinal);
        Assert.Equal(3UL, failure.LostPeerId);
        Assert.Same(seenHere, failure.InnerException);
        Assert.Same(seenHere, call.Failure); // the first failure still stopped the call
    }

    [Fact]
    public async Task AnAbortThatArrivedFirstIsTheReason()
    {
        using var call = Started();

        Assert.True(call.OnMessage(Abort(CollectiveFailure.PeerFailed, $"peer {Other} failed the operation: bad data", lostPeer: 0, failedBy: Other)));
        var failure = await AllReduceDriver.GroupFailureAsync(call, Patience, TestContext.Current.CancellationToken);

        Assert.Same(call.Failure, failure);
        Assert.Null(failure!.InnerException);
    }

    [Fact]
    public async Task AnAbortThisPeersOwnReportCausedLeavesItsOwnFailure()
    {
        using var call = Started();
        call.Fail(new PcclException(PcclErrorCode.PeerLost, "ring neighbour sent bad data", true));

        Assert.True(call.OnMessage(Abort(CollectiveFailure.PeerFailed, $"peer {Self} failed the operation: ring neighbour sent bad data", lostPeer: 0, failedBy: Self)));

        Assert.Null(await AllReduceDriver.GroupFailureAsync(call, Patience, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ALostMasterEndsTheWaitWithoutAReason()
    {
        using var call = Started();
        call.Fail(new PcclException(PcclErrorCode.PeerLost, "connection reset", true));
        var waiting = AllReduceDriver.GroupFailureAsync(call, Patience, TestContext.Current.CancellationToken);
        Assert.False(waiting.IsCompleted);

        call.MasterLost(new PcclException(PcclErrorCode.MasterLost, "no answer from the master", true));

        Assert.Null(await waiting.WaitAsync(Patience, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AKickIsTheReason()
    {
        using var call = Started();
        call.Fail(new PcclException(PcclErrorCode.PeerLost, "the ring successor closed the connection", true));
        var kicked = new PcclException(PcclErrorCode.Kicked, "the master removed this peer (HeartbeatTimeout): no heartbeat for 503 ms");

        call.MasterLost(kicked);

        Assert.Same(kicked, await AllReduceDriver.GroupFailureAsync(call, Patience, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task NoAbortWithinThePatienceLeavesItsOwnFailure()
    {
        using var call = Started();
        call.Fail(new PcclException(PcclErrorCode.PeerLost, "connection reset", true));

        Assert.Null(await AllReduceDriver.GroupFailureAsync(call, TimeSpan.FromMilliseconds(50), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ACallThatNeverStartedDoesNotWait()
    {
        using var call = new CollectiveCall(1, Self);
        call.Fail(new PcclException(PcclErrorCode.Aborted, "cancelled", true));

        var waiting = AllReduceDriver.GroupFailureAsync(call, Patience, TestContext.Current.CancellationToken);

        Assert.True(waiting.IsCompletedSuccessfully);
        Assert.Null(await waiting);
    }

    [Fact]
    public async Task AnAbortOfAnotherSequenceIsNotThisCallsReason()
    {
        using var call = Started();
        call.Fail(new PcclException(PcclErrorCode.PeerLost, "connection reset", true));

        Assert.True(call.OnMessage(new ControlMessage
        {
            CollectiveAbort = new CollectiveAbort { Tag = 1, Sequence = Sequence - 1, Failure = CollectiveFailure.PeerLost, Reason = "an older operation" },
        }));

        Assert.Null(await AllReduceDriver.GroupFailureAsync(call, TimeSpan.FromMilliseconds(50), TestContext.Current.CancellationToken));
    }

    private static CollectiveCall Started()
    {
        var call = new CollectiveCall(1, Self);
        Assert.True(call.OnMessage(new ControlMessage { CollectiveStart = new CollectiveStart { Tag = 1, Sequence = Sequence, Ring = { Self, Other } } }));
        return call;
    }

    private static ControlMessage Abort(CollectiveFailure failure, string reason, ulong lostPeer, ulong failedBy) => new()
    {
        CollectiveAbort = new CollectiveAbort { Tag = 1, Sequence = Sequence, Failure = failure, Reason = reason, LostPeerId = lostPeer, FailedBy = failedBy },
    };
}
