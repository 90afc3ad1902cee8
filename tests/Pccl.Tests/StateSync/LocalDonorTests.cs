using Pccl.Master.Core.StateSync;
using Pccl.Tests.Support;
using static Pccl.Tests.StateSync.Support.StateBuilder;

namespace Pccl.Tests.StateSync;

/// <summary>Shared state stays inside a region: a receiver pulls from its own region's donors when they hold what it needs.</summary>
public class LocalDonorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ALateJoinerInRegionBReceivesOnlyFromRegionBsDonors()
    {
        await using var cluster = await TestCluster.StartAsync(["a", "b", "b"], ct: Ct);
        var states = cluster.Peers.Select(_ => Make(1, 8 * MiB, seed: 4, "w", "b")).ToArray();
        await Task.WhenAll(cluster.Peers.Select((p, i) => p.SyncSharedStateAsync(states[i], ct: Ct)));

        var options = CommunicatorOptions.Default with
        {
            MasterHost = "127.0.0.1", MasterPort = cluster.Master.Port, P2PBindAddress = "127.0.0.1", P2PPorts = new PortRange(25000, 25200), Region = "b",
        };
        await using var joiner = await Admission.AdmitAsync(cluster.Peers, Communicator.ConnectAsync(options, ct: Ct), Ct);
        var joinerState = new SharedState([SharedStateEntry.Create<float>("w", new float[2 * MiB]), SharedStateEntry.Create<float>("b", new float[2 * MiB])]);
        foreach (var s in states)
        {
            s.Revision++;
        }

        Communicator[] everyone = [.. cluster.Peers, joiner];
        SharedState[] allStates = [.. states, joinerState];
        var infos = await Task.WhenAll(everyone.Select((p, i) => p.SyncSharedStateAsync(allStates[i], ct: Ct)));

        Assert.Equal(16UL * MiB, infos[3].RxBytes);
        Assert.True(SameContent(states[0], joinerState));
        Assert.Equal(0UL, infos[0].TxBytes); // region a's donor holds it all too, but is not asked
        Assert.True(infos[1].TxBytes > 0 && infos[2].TxBytes > 0, "both of region b's donors share the transfer");
        Assert.Equal(16UL * MiB, infos[1].TxBytes + infos[2].TxBytes);
    }

    [Fact]
    public void AReceiverTakesItsNearestDonorsAndCrossesOnlyForWhatNoNearerDonorHolds()
    {
        var regions = new Dictionary<ulong, string> { [1] = "eu/fra", [2] = "eu/par", [3] = "us/nyc", [4] = "eu/fra", [5] = "us/sfo" };
        var plan = new SharedStateSyncPlan(1, [],
        [
            new PeerSyncAssignment(4, true, [new DirtyTensor("w", 1, 8, [1, 2, 3]), new DirtyTensor("b", 2, 8, [2, 3])]),
            new PeerSyncAssignment(5, true, [new DirtyTensor("w", 1, 8, [1, 2, 3])]),
        ]);

        var local = LocalDonors.Prefer(plan, id => regions[id]);

        Assert.Equal([1UL], local.For(4).Receive[0].Donors);    // the same site
        Assert.Equal([2UL], local.For(4).Receive[1].Donors);    // no donor at the site: the same region
        Assert.Equal([3UL], local.For(5).Receive[0].Donors);    // the same region, another site
        Assert.Equal([1UL, 2, 3], plan.For(4).Receive[0].Donors); // the input plan is left as it was
    }
}
