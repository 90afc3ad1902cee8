using Pccl.Protocol.Messages;
using Pccl.Tests.Master.Support;
using static Pccl.Tests.Master.Support.ElectionBuilder;

namespace Pccl.Tests.Master;

public class SharedStateElectionTests
{
    private const SharedStateSyncStrategy Send = SharedStateSyncStrategy.SendOnly;
    private const SharedStateSyncStrategy Receive = SharedStateSyncStrategy.ReceiveOnly;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TwoPeerTieMakesExactlyOneReceiver(bool reversedInput)
    {
        var peers = new[] { P(1, 1, T("w", 0xAAAA)), P(2, 1, T("w", 0xBBBB)) };
        var plan = Plan(0, reversedInput ? [.. peers.Reverse()] : peers);

        Assert.Equal([2UL], plan.Receivers());
        Assert.Equal(0xAAAAUL, plan.Tensors.Single().Hash);
        Assert.Equal([1UL], plan.For(2).Donors);
    }

    [Fact]
    public void TwoPeerTieGoesToLowestIdWhateverTheHashes()
    {
        var plan = Plan(0, P(7, 1, T("w", 0x1)), P(3, 1, T("w", 0x9)));

        Assert.Equal([7UL], plan.Receivers());
        Assert.Equal(0x9UL, plan.Tensors.Single().Hash);
    }

    [Fact]
    public void IdenticalContentMeansNobodyReceives()
    {
        var plan = Plan(4, P(1, 5, T("a", 1), T("b", 2)), P(2, 5, T("a", 1), T("b", 2)), P(3, 5, T("a", 1), T("b", 2)));

        Assert.True(plan.IsNoOp);
        Assert.Equal(5UL, plan.Revision);
        Assert.All(plan.Tensors, t => Assert.Equal([1UL, 2UL, 3UL], t.Donors));
        Assert.All(plan.Peers, p => Assert.Equal(0UL, p.RxBytes));
    }

    [Fact]
    public void OnlyDirtyTensorsAreListed()
    {
        var plan = Plan(0,
            P(1, 1, T("a", 1), T("b", 2), T("c", 3)),
            P(2, 1, T("a", 1), T("b", 2), T("c", 3)),
            P(3, 1, T("a", 1), T("b", 99), T("c", 3)));

        Assert.Equal(["b"], plan.Dirty(3));
        Assert.Empty(plan.Dirty(1));
        Assert.Empty(plan.Dirty(2));
        var dirty = plan.For(3).Receive.Single();
        Assert.Equal(2UL, dirty.Hash);
        Assert.Equal([1UL, 2UL], dirty.Donors);
        Assert.Equal(4096UL, plan.For(3).RxBytes);
    }

    [Fact]
    public void PopularContentWinsRegardlessOfInputOrder()
    {
        List<Pccl.Master.Core.StateSync.SharedStatePeerReport> peers =
        [
            P(1, 3, T("w", 0xA), T("v", 5)),
            P(2, 3, T("w", 0xB), T("v", 5)),
            P(3, 3, T("w", 0xB), T("v", 6)),
            P(4, 3, T("w", 0xC), T("v", 6)),
            P(5, 3, T("w", 0xB), T("v", 6)),
        ];
        var expected = Plan(2, [.. peers]);
        Assert.Equal(0xBUL, expected.Tensors.Single(t => t.Key == "w").Hash);
        Assert.Equal(6UL, expected.Tensors.Single(t => t.Key == "v").Hash);
        Assert.Equal([1UL, 2UL, 4UL], expected.Receivers());
        Assert.Equal(["v", "w"], expected.Dirty(1));

        foreach (var permutation in Permutations(peers))
            Assert.Equal(expected.Describe(), Plan(2, [.. permutation]).Describe());
    }

    [Fact]
    public void PeerThatNeverAdvancesIsDraggedAlong()
    {
        ulong last = 5;
        for (var round = 0; round < 3; round++, last++)
        {
            // Peers 1 and 2 step and advance; peer 3 forgot to bump its revision and its weights did not move.
            var plan = Plan(last,
                P(1, last + 1, T("weights", last + 100), T("config", 7)),
                P(2, last + 1, T("weights", last + 100), T("config", 7)),
                P(3, last, T("weights", last + 99), T("config", 7)));

            Assert.Equal(last + 1, plan.Revision);
            Assert.True(plan.For(3).IsOutdated);
            Assert.Equal(["weights"], plan.Dirty(3));
            Assert.Equal([1UL, 2UL], plan.For(3).Donors);
        }
    }

    [Fact]
    public void OutdatedPeersNeitherVoteNorDonate()
    {
        var plan = Plan(5, P(1, 6, T("w", 0xA)), P(2, 5, T("w", 0xB)), P(3, 5, T("w", 0xB)));

        Assert.Equal(0xAUL, plan.Tensors.Single().Hash);
        Assert.Equal([1UL], plan.Tensors.Single().Donors);
        Assert.Equal([2UL, 3UL], plan.Receivers());
    }

    [Fact]
    public void OutdatedPeerWithElectedContentOnlyMovesItsRevision()
    {
        var plan = Plan(5, P(1, 6, T("w", 0xA)), P(2, 5, T("w", 0xA)));

        Assert.True(plan.For(2).IsOutdated);
        Assert.Empty(plan.Dirty(2));
        Assert.Equal(6UL, plan.Revision);
    }

    [Fact]
    public void JumpOfTwoIsRefused()
    {
        var error = Error(5, P(1, 6, T("w", 1)), P(2, 7, T("w", 1)));

        Assert.Equal(PcclErrorCode.SharedStateMismatch, error.Code);
        Assert.Equal([2UL], error.Peers);
        Assert.Contains("peer 2 reports shared-state revision 7", error.Message);
        Assert.Contains("last synchronised at 5", error.Message);
        Assert.Contains("exactly one", error.Message);
    }

    [Fact]
    public void FirstSyncAdoptsAnyRevision()
    {
        var plan = Plan(null, P(1, 13, T("w", 1)), P(2, 13, T("w", 1)), P(3, 0, T("w", 2)));

        Assert.Equal(13UL, plan.Revision);
        Assert.True(plan.For(3).IsOutdated);
        Assert.Equal(["w"], plan.Dirty(3));
    }

    [Fact]
    public void GroupRevisionGoingBackwardsIsRefused()
    {
        var error = Error(5, P(1, 3, T("w", 1)), P(2, 3, T("w", 1)));

        Assert.Equal(PcclErrorCode.SharedStateMismatch, error.Code);
        Assert.Contains("backwards", error.Message);
    }

    [Fact]
    public void KeySetMismatchNamesKeyAndPeers()
    {
        var error = Error(0,
            P(1, 1, T("a", 1)),
            P(2, 1, T("a", 1), T("extra", 2)),
            P(3, 1, T("a", 1)));

        Assert.Equal(PcclErrorCode.SharedStateMismatch, error.Code);
        Assert.Equal([2UL], error.Peers);
        Assert.Contains("key 'extra' is held by peer(s) 2 but missing on peer(s) 1, 3", error.Message);
    }

    [Fact]
    public void TypeMismatchIsNamed()
    {
        var error = Error(0, P(1, 1, T("w", 1)), P(2, 1, T("w", 1, type: DataType.F16)));

        Assert.Contains("key 'w' has data type F32 on peer 1 but F16 on peer 2", error.Message);
        Assert.Equal([2UL], error.Peers);
    }

    [Fact]
    public void SizeMismatchIsNamed()
    {
        var error = Error(0, P(1, 1, T("w", 1)), P(2, 1, T("w", 1, bytes: 2048)));

        Assert.Contains("key 'w' is 4096 bytes on peer 1 but 2048 bytes on peer 2", error.Message);
    }

    [Fact]
    public void InequalityFlagMismatchIsNamed()
    {
        var error = Error(0, P(1, 1, T("rng", 1)), P(2, 1, T("rng", 1, allowInequality: true)));

        Assert.Contains("key 'rng' allows content inequality on peer 2 but not on peer 1", error.Message);
    }

    [Fact]
    public void DuplicateKeyWithinAPeerIsRefused()
    {
        var error = Error(0, P(1, 1, T("w", 1), T("w", 2)));

        Assert.Equal(PcclErrorCode.InvalidArgument, error.Code);
        Assert.Contains("'w' twice", error.Message);
    }

    [Fact]
    public void SendOnlyContentWinsOverThePopularOne()
    {
        var plan = Plan(0, P(1, 1, T("w", 0xB)), P(2, 1, T("w", 0xB)), P(3, 1, T("w", 0xB)), P(4, 1, Send, T("w", 0xA)));

        Assert.Equal(0xAUL, plan.Tensors.Single().Hash);
        Assert.Equal([4UL], plan.Tensors.Single().Donors);
        Assert.Equal([1UL, 2UL, 3UL], plan.Receivers());
    }

    [Fact]
    public void SendOnlyPeersWithDifferentContentAreRefused()
    {
        var error = Error(0, P(1, 1, Send, T("a", 1), T("w", 0xA)), P(2, 1, Send, T("a", 1), T("w", 0xB)), P(3, 1, T("a", 1), T("w", 0xA)));

        Assert.Equal(PcclErrorCode.SharedStateMismatch, error.Code);
        Assert.Equal([1UL, 2UL], error.Peers);
        Assert.Contains("SendOnly peers 1 and 2 hold different content for shared-state key 'w'", error.Message);
    }

    [Fact]
    public void OutdatedSendOnlyPeerIsRefused()
    {
        var error = Error(5, P(1, 6, T("w", 1)), P(2, 5, Send, T("w", 1)));

        Assert.Equal([2UL], error.Peers);
        Assert.Contains("SendOnly peer 2 is at shared-state revision 5 but the group is at 6", error.Message);
    }

    [Fact]
    public void ReceiveOnlyWithNoCandidateIsRefused()
    {
        var error = Error(null, P(1, 0, Receive, T("w", 1)), P(2, 0, Receive, T("w", 1)));

        Assert.Equal(PcclErrorCode.SharedStateMismatch, error.Code);
        Assert.Contains("every peer (1, 2) synchronises shared state as ReceiveOnly", error.Message);
    }

    [Fact]
    public void ReceiveOnlyPeersNeitherVoteNorDonateAndTakeTheElectedRevision()
    {
        var plan = Plan(3, P(1, 4, T("w", 0xA)), P(2, 4, Receive, T("w", 0xB)), P(3, 4, Receive, T("w", 0xB)), P(4, 0, Receive, T("w", 0xA)));

        var tensor = plan.Tensors.Single();
        Assert.Equal(0xAUL, tensor.Hash);
        Assert.Equal([1UL], tensor.Donors);
        Assert.Equal([2UL, 3UL], plan.Receivers());
        Assert.Equal(4UL, plan.Revision);
    }

    [Fact]
    public void ContentInequalityKeysAreExcludedFromTheElection()
    {
        var plan = Plan(1,
            P(1, 2, T("w", 0xA), T("rng", 0x11, allowInequality: true)),
            P(2, 2, T("w", 0xA), T("rng", 0x22, allowInequality: true)),
            P(3, 2, T("w", 0xA), T("rng", 0x33, allowInequality: true)),
            P(4, 1, T("w", 0xA), T("rng", 0x44, allowInequality: true)),
            P(5, 2, Receive, T("w", 0xA), T("rng", 0x55, allowInequality: true)));

        // Up-to-date voters keep their own "rng"; the outdated and the receive-only peer take the reference holder's.
        Assert.Empty(plan.Dirty(1));
        Assert.Empty(plan.Dirty(2));
        Assert.Empty(plan.Dirty(3));
        Assert.Equal(["rng"], plan.Dirty(4));
        Assert.Equal(["rng"], plan.Dirty(5));
        var rng = plan.Tensors.Single(t => t.Key == "rng");
        Assert.True(rng.AllowContentInequality);
        Assert.Equal(0x11UL, rng.Hash);
        Assert.Equal([1UL], rng.Donors);
    }

    [Fact]
    public void NoPeersIsAnInvalidArgument()
    {
        Assert.Equal(PcclErrorCode.InvalidArgument, Error(null).Code);
    }

    [Fact]
    public void ErrorBecomesAPcclException()
    {
        var exception = Error(5, P(1, 7, T("w", 1))).ToException();

        Assert.Equal(PcclErrorCode.SharedStateMismatch, exception.Code);
        Assert.False(exception.IsTransient);
    }

    private static IEnumerable<List<T>> Permutations<T>(List<T> items)
    {
        if (items.Count <= 1)
        {
            yield return [.. items];
            yield break;
        }
        for (var i = 0; i < items.Count; i++)
        {
            var rest = new List<T>(items);
            rest.RemoveAt(i);
            foreach (var tail in Permutations(rest))
                yield return [items[i], .. tail];
        }
    }
}
