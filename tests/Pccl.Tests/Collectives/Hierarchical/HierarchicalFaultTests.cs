using Pccl.Tests.Support;

namespace Pccl.Tests.Collectives.Hierarchical;

/// <summary>
/// A peer whose links break in the middle of a hierarchical all-reduce's stage: every peer aborts, restores its buffer
/// and retries to the exact sum. With 2+2 peers each peer receives a third of its bytes per stage (reduce-scatter inside
/// its region, the all-reduce across, the all-gather inside), so the fraction picks the stage.
/// </summary>
public class HierarchicalFaultTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private const int Chunk = 16 * 1024;

    [Theory]
    [InlineData(1, 2)] // across the regions
    [InlineData(5, 6)] // the all-gather inside the region
    public async Task LinksCutInAStageFailTheAttemptAndTheRetryReachesTheExactSum(int numerator, int denominator)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(["a", "b", "a", "b"], o => o with { RingChunkSize = Chunk }, ct);
        const int elements = 4 * 100_000;
        var inputs = Enumerable.Range(0, 4).Select(p => Enumerable.Range(0, elements).Select(i => (float)((p + i) % 17)).ToArray()).ToArray();
        var buffers = inputs.Select(b => b.ToArray()).ToArray();
        long firedAt = 0, toMove = 0;
        var fired = 0;
        var restored = new bool?[3]; // the three peers whose links did not break
        cluster.Peers[3].FaultInjector = new FaultHooks
        {
            OnBytesMoved = site =>
            {
                if (site.BytesMoved * denominator >= site.BytesToMove * numerator && Interlocked.Exchange(ref fired, 1) == 0)
                {
                    (firedAt, toMove) = (site.BytesMoved, site.BytesToMove);
                    return site.BreakRingLinksAsync();
                }

                return ValueTask.CompletedTask;
            },
        };
        for (var p = 0; p < 3; p++)
        {
            var peer = p;
            cluster.Peers[p].FaultInjector = new FaultHooks { OnAllReduceFailed = (_, _) => restored[peer] = buffers[peer].AsSpan().SequenceEqual(inputs[peer]) };
        }

        var infos = await cluster.OnAll((p, i) => p.AllReduceWithRetryAsync(buffers[i].AsMemory(), ct: ct)).WaitAsync(Patience, ct);

        Assert.Equal(3L * (elements / 2) * sizeof(float), toMove); // a half of the buffer received in each of the three stages
        Assert.InRange(firedAt, toMove * numerator / denominator, (toMove * numerator / denominator) + Chunk);
        Assert.All(infos, i => Assert.Equal(AllReduceAlgorithm.Hierarchical, i.Algorithm));
        Assert.All(infos, i => Assert.True(i.Retries >= 1, "a peer did not retry"));
        Assert.All(restored, r => Assert.True(r, "a peer's buffer did not hold its input again after the failed attempt"));
        var expected = Enumerable.Range(0, elements).Select(i => (float)Enumerable.Range(0, 4).Sum(p => (p + i) % 17)).ToArray();
        Assert.All(buffers, b => Assert.Equal(expected, b));
    }
}
