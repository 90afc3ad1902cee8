using Pccl.Tests.StateSync.Support;
using static Pccl.Tests.StateSync.Support.StateBuilder;

namespace Pccl.Tests.StateSync;

/// <summary>Shared-state synchronisation end to end: a master and peers in this process over loopback TCP.</summary>
public class SharedStateSyncTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<SharedStateSyncInfo[]> SyncAll(IReadOnlyList<Communicator> peers, IReadOnlyList<SharedState> states, params SharedStateSyncStrategy[] strategies) =>
        Task.WhenAll(peers.Select((p, i) => p.SyncSharedStateAsync(states[i], strategies.Length > i ? strategies[i] : SharedStateSyncStrategy.EnforcePopular, Ct)));

    [Fact]
    public async Task TwoPeerTieMovesExactlyOneCopy()
    {
        await using var cluster = await SyncCluster.StartAsync(2, Ct);
        var states = new[] { Make(1, 6 * MiB, seed: 1, "w"), Make(1, 6 * MiB, seed: 2, "w") };
        var expected = Make(1, 6 * MiB, seed: 1, "w");

        var infos = await SyncAll(cluster.Peers, states);

        // A tie goes to the content of the lowest peer id: peer 0 sends, peer 1 receives, nothing else moves.
        Assert.Equal(6UL * MiB, infos[0].TxBytes);
        Assert.Equal(0UL, infos[0].RxBytes);
        Assert.Equal(0UL, infos[1].TxBytes);
        Assert.Equal(6UL * MiB, infos[1].RxBytes);
        Assert.All(states, s => Assert.True(SameContent(expected, s)));
        Assert.All(states, s => Assert.Equal(1UL, s.Revision));
        Assert.All(infos, i => Assert.Equal(1UL, i.Revision));
    }

    [Fact]
    public async Task IdenticalContentMovesNothing()
    {
        await using var cluster = await SyncCluster.StartAsync(3, Ct);
        var states = cluster.Peers.Select(_ => Make(1, 5 * MiB, seed: 7, "a", "b")).ToArray();

        var infos = await SyncAll(cluster.Peers, states);

        Assert.All(infos, i => Assert.Equal((0UL, 0UL, 1UL), (i.TxBytes, i.RxBytes, i.Revision)));
    }

    [Fact]
    public async Task OnlyDirtyTensorsMove()
    {
        await using var cluster = await SyncCluster.StartAsync(3, Ct);
        var states = cluster.Peers.Select(_ => Make(1, 1 * MiB, seed: 3, "a", "b", "c")).ToArray();
        await SyncAll(cluster.Peers, states);

        foreach (var s in states)
        {
            s.Revision++;
            Refill(s, "a", 10); // every peer takes the same step on "a"
        }

        Refill(states[2], "b", 99); // peer 2 diverged on "b" only
        var infos = await SyncAll(cluster.Peers, states);

        Assert.Equal(1UL * MiB, infos[2].RxBytes);
        Assert.Equal(0UL, infos[0].RxBytes + infos[1].RxBytes);
        Assert.Equal(1UL * MiB, infos.Aggregate(0UL, (sum, i) => sum + i.TxBytes));
        Assert.True(SameContent(states[0], states[2]));
        Assert.All(states, s => Assert.Equal(2UL, s.Revision));
    }

    [Fact]
    public async Task PopularContentWinsWhenTheMinoritySyncsFirst()
    {
        await using var cluster = await SyncCluster.StartAsync(3, Ct);
        var states = new[] { Make(4, 2 * MiB, seed: 1, "w"), Make(4, 2 * MiB, seed: 2, "w"), Make(4, 2 * MiB, seed: 2, "w") };

        var minority = cluster.Peers[0].SyncSharedStateAsync(states[0], ct: Ct);
        await Task.Delay(100, Ct); // the minority's request reaches the master first
        Assert.False(minority.IsCompleted);
        var majority = await Task.WhenAll(cluster.Peers.Skip(1).Select((p, i) => p.SyncSharedStateAsync(states[i + 1], ct: Ct)));
        var first = await minority;

        Assert.Equal(2UL * MiB, first.RxBytes);
        Assert.All(majority, i => Assert.Equal(0UL, i.RxBytes));
        Assert.All(states, s => Assert.True(SameContent(Make(4, 2 * MiB, seed: 2, "w"), s)));
    }

    [Fact]
    public async Task APeerThatNeverAdvancesIsDraggedAlong()
    {
        await using var cluster = await SyncCluster.StartAsync(3, Ct);
        var states = cluster.Peers.Select(_ => Make(1, 2 * MiB, seed: 5, "w", "m")).ToArray();
        await SyncAll(cluster.Peers, states);

        foreach (var s in states.Take(2))
        {
            s.Revision++;
            Refill(s, "w", 6);
        }

        var infos = await SyncAll(cluster.Peers, states);

        Assert.Equal(2UL * MiB, infos[2].RxBytes); // only "w" changed; "m" is equal and stays put
        Assert.All(states, s => Assert.Equal(2UL, s.Revision));
        Assert.True(SameContent(states[0], states[2]));
    }

    [Fact]
    public async Task AJumpOfTwoRevisionsIsRefusedWithAClearError()
    {
        await using var cluster = await SyncCluster.StartAsync(2, Ct);
        var states = cluster.Peers.Select(_ => Make(1, 64 * 1024, seed: 5, "w")).ToArray();
        await SyncAll(cluster.Peers, states);

        states[0].Revision = 2;
        states[1].Revision = 3;
        var calls = cluster.Peers.Select((p, i) => p.SyncSharedStateAsync(states[i], ct: Ct)).ToArray();

        foreach (var call in calls)
        {
            var e = await Assert.ThrowsAsync<PcclException>(() => call);
            Assert.Equal(PcclErrorCode.SharedStateMismatch, e.Code);
            Assert.False(e.IsTransient);
            Assert.Contains("revision 3", e.Message);
            Assert.Contains("exactly one", e.Message);
        }

        // the refused round changed nothing: the group can still advance by one
        states[1].Revision = 2;
        var infos = await SyncAll(cluster.Peers, states);
        Assert.All(infos, i => Assert.Equal(2UL, i.Revision));
    }

    [Fact]
    public async Task AnInitialRevisionOf13IsAdopted()
    {
        await using var cluster = await SyncCluster.StartAsync(2, Ct);
        var states = new[] { Make(13, 64 * 1024, seed: 1, "w"), Make(0, 64 * 1024, seed: 2, "w") };

        var infos = await SyncAll(cluster.Peers, states);

        Assert.All(infos, i => Assert.Equal(13UL, i.Revision));
        Assert.All(states, s => Assert.Equal(13UL, s.Revision));
        Assert.Equal(64UL * 1024, infos[1].RxBytes);

        foreach (var s in states)
        {
            s.Revision++;
        }

        Assert.All(await SyncAll(cluster.Peers, states), i => Assert.Equal(14UL, i.Revision));
    }

    [Fact]
    public async Task AKeySetMismatchNamesTheKey()
    {
        await using var cluster = await SyncCluster.StartAsync(2, Ct);
        var states = new[] { Make(1, 4096, seed: 1, "w", "optimizer.m"), Make(1, 4096, seed: 1, "w") };

        var calls = cluster.Peers.Select((p, i) => p.SyncSharedStateAsync(states[i], ct: Ct)).ToArray();

        foreach (var call in calls)
        {
            var e = await Assert.ThrowsAsync<PcclException>(() => call);
            Assert.Equal(PcclErrorCode.SharedStateMismatch, e.Code);
            Assert.Contains("'optimizer.m'", e.Message);
        }
    }

    [Fact]
    public async Task ALateJoinerReceivesFromEveryPeerWhileTheOthersMoveNothingAmongThemselves()
    {
        await using var cluster = await SyncCluster.StartAsync(3, Ct);
        var states = cluster.Peers.Select(_ => Make(1, 8 * MiB, seed: 4, "w", "b")).ToArray();
        await SyncAll(cluster.Peers, states);

        var joiner = (await cluster.AddAsync(1, 0, Ct))[0];
        var joinerState = new SharedState([SharedStateEntry.Create<float>("w", new float[2 * MiB]), SharedStateEntry.Create<float>("b", new float[2 * MiB])]);
        foreach (var s in states)
        {
            s.Revision++;
        }

        var infos = await SyncAll(cluster.Peers, [.. states, joinerState]);

        Assert.Equal(16UL * MiB, infos[3].RxBytes);
        Assert.Equal(2UL, joinerState.Revision);
        Assert.True(SameContent(states[0], joinerState));
        Assert.All(infos.Take(3), i => Assert.Equal(0UL, i.RxBytes));
        Assert.All(infos.Take(3), i => Assert.True(i.TxBytes > 0, "every up-to-date peer donates a share"));
        Assert.Equal(16UL * MiB, infos.Take(3).Aggregate(0UL, (sum, i) => sum + i.TxBytes));
        Assert.Equal(joiner.PeerId, cluster.Peers[3].PeerId);
    }

    [Fact]
    public async Task TwoSendOnlyPeersWithDifferentContentConflict()
    {
        await using var cluster = await SyncCluster.StartAsync(2, Ct);
        var states = new[] { Make(1, 4096, seed: 1, "w"), Make(1, 4096, seed: 2, "w") };

        var calls = cluster.Peers.Select((p, i) => p.SyncSharedStateAsync(states[i], SharedStateSyncStrategy.SendOnly, Ct)).ToArray();

        foreach (var call in calls)
        {
            var e = await Assert.ThrowsAsync<PcclException>(() => call);
            Assert.Equal(PcclErrorCode.SharedStateMismatch, e.Code);
            Assert.Contains("SendOnly", e.Message);
        }
    }

    [Fact]
    public async Task EveryPeerReceiveOnlyIsRefused()
    {
        await using var cluster = await SyncCluster.StartAsync(2, Ct);
        var states = cluster.Peers.Select(_ => Make(1, 4096, seed: 1, "w")).ToArray();

        var calls = cluster.Peers.Select((p, i) => p.SyncSharedStateAsync(states[i], SharedStateSyncStrategy.ReceiveOnly, Ct)).ToArray();

        foreach (var call in calls)
        {
            var e = await Assert.ThrowsAsync<PcclException>(() => call);
            Assert.Equal(PcclErrorCode.SharedStateMismatch, e.Code);
            Assert.Contains("ReceiveOnly", e.Message);
        }
    }

    [Fact]
    public async Task AnOutdatedSendOnlyPeerIsRefused()
    {
        await using var cluster = await SyncCluster.StartAsync(2, Ct);
        var states = new[] { Make(2, 4096, seed: 1, "w"), Make(1, 4096, seed: 1, "w") };

        var calls = new[]
        {
            cluster.Peers[0].SyncSharedStateAsync(states[0], ct: Ct),
            cluster.Peers[1].SyncSharedStateAsync(states[1], SharedStateSyncStrategy.SendOnly, Ct),
        };

        foreach (var call in calls)
        {
            var e = await Assert.ThrowsAsync<PcclException>(() => call);
            Assert.Equal(PcclErrorCode.SharedStateMismatch, e.Code);
            Assert.Contains("SendOnly peer", e.Message);
        }
    }

    [Fact]
    public async Task SendOnlyContentWinsAndReceiveOnlyTakesIt()
    {
        await using var cluster = await SyncCluster.StartAsync(3, Ct);
        var states = new[] { Make(1, MiB, seed: 1, "w"), Make(9, MiB, seed: 1, "w") };
        var sender = Make(1, MiB, seed: 3, "w");

        var infos = await Task.WhenAll(
            cluster.Peers[0].SyncSharedStateAsync(states[0], SharedStateSyncStrategy.ReceiveOnly, Ct),
            cluster.Peers[1].SyncSharedStateAsync(states[1], SharedStateSyncStrategy.ReceiveOnly, Ct),
            cluster.Peers[2].SyncSharedStateAsync(sender, SharedStateSyncStrategy.SendOnly, Ct));

        Assert.All(infos, i => Assert.Equal(1UL, i.Revision)); // the receive-only peers' revisions do not count
        Assert.True(SameContent(sender, states[0]));
        Assert.True(SameContent(sender, states[1]));
        Assert.Equal(2UL * MiB, infos[2].TxBytes);
    }

    [Fact]
    public async Task TwoPeerGroupsWithOverlappingKeysAreIndependent()
    {
        await using var cluster = await SyncCluster.StartAsync(2, Ct, group: 0);
        var groupOne = await cluster.AddAsync(2, 1, Ct);
        var groupZero = cluster.Peers.Where(p => p.PeerGroup == 0).ToArray();
        Assert.Equal(2, groupZero.Length);

        var zeroStates = new[] { Make(5, MiB, seed: 10, "w"), Make(5, MiB, seed: 11, "w") };
        var oneStates = new[] { Make(1, MiB, seed: 20, "w"), Make(1, MiB, seed: 20, "w") };
        var zero = SyncAll(groupZero, zeroStates);
        var one = SyncAll(groupOne, oneStates);
        var (zeroInfos, oneInfos) = (await zero, await one);

        Assert.All(zeroInfos, i => Assert.Equal(5UL, i.Revision));
        Assert.All(oneInfos, i => Assert.Equal(1UL, i.Revision));
        Assert.True(SameContent(Make(5, MiB, seed: 10, "w"), zeroStates[1]));
        Assert.True(SameContent(Make(1, MiB, seed: 20, "w"), oneStates[0]));
        Assert.All(oneInfos, i => Assert.Equal((0UL, 0UL), (i.TxBytes, i.RxBytes)));
    }

    [Fact]
    public async Task ADonorDisposedMidTransferDoesNotFailTheSync()
    {
        await using var cluster = await SyncCluster.StartAsync(4, Ct);
        var content = Make(1, 64 * MiB, seed: 8, "weights");
        var states = new[] { Make(1, 64 * MiB, seed: 8, "weights"), Make(1, 64 * MiB, seed: 8, "weights"), Make(1, 64 * MiB, seed: 8, "weights"), Make(1, 64 * MiB, seed: 0, "weights") };
        var victim = cluster.Peers[1];
        var victimBlocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var served = 0;
        victim.FaultInjector = new Pccl.Tests.Support.FaultHooks
        {
            OnStateBlockSending = async ct =>
            {
                if (Interlocked.Increment(ref served) > 1)
                {
                    victimBlocked.TrySetResult(); // one block is out; the rest never comes
                    await Task.Delay(Timeout.Infinite, ct);
                }
            },
        };

        var calls = cluster.Peers.Select((p, i) => p.SyncSharedStateAsync(states[i], i == 3 ? SharedStateSyncStrategy.ReceiveOnly : SharedStateSyncStrategy.EnforcePopular, Ct)).ToArray();
        await victimBlocked.Task.WaitAsync(Ct);
        await cluster.RemoveAsync(victim);

        var receiver = await calls[3];
        Assert.Equal(64UL * MiB, receiver.RxBytes);
        Assert.True(SameContent(content, states[3]));
        Assert.Equal(1UL, states[3].Revision);
        var survivors = await Task.WhenAll(calls[0], calls[2]);
        // The victim sent at most its first 4 MiB block before it went; the survivors sent the rest, its ranges included.
        Assert.InRange(survivors[0].TxBytes + survivors[1].TxBytes, 60UL * MiB, 64UL * MiB);
        await Assert.ThrowsAnyAsync<Exception>(() => calls[1]);
    }
}
