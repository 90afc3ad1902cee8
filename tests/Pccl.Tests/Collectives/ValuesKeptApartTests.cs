using Pccl.Tests.Support;

namespace Pccl.Tests.Collectives;

/// <summary>The ring keeps its reduce-scatter partial sums (and its owned slice's final value) in the backup's store (ValuesKeptApart).</summary>
public class ValuesKeptApartTests
{
    [Fact]
    public async Task PartialSumsQueuedBehindASlowSuccessorAreSentBeforeTheirSlotsTakeTheInput()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(3, ct: ct);
        // slices larger than both socket buffers of a link (4 MiB each), and peer 1 slow to read: peer 0's partial sums
        // for peer 1 queue in its sender while the final values of another slice, which do not need them, arrive
        const int elements = 3 * (4 << 20);
        var inputs = Enumerable.Range(0, 3).Select(p => Enumerable.Range(0, elements).Select(i => (float)((p + i) % 17)).ToArray()).ToArray();
        var buffers = inputs.Select(b => b.ToArray()).ToArray();
        cluster.Peers[1].FaultInjector = new FaultHooks { OnBytesMoved = async _ => await Task.Delay(20, ct) };

        await cluster.OnAll((p, i) => p.AllReduceAsync(buffers[i].AsMemory(), ct: ct)).WaitAsync(TimeSpan.FromSeconds(60), ct);

        var expected = Enumerable.Range(0, elements).Select(i => (float)Enumerable.Range(0, 3).Sum(p => (p + i) % 17)).ToArray();
        Assert.All(buffers, b => Assert.Equal(expected, b));
    }
}
