using Pccl.Tests.StateSync.Support;
using static Pccl.Tests.StateSync.Support.StateBuilder;

namespace Pccl.Tests.StateSync;

/// <summary>
/// One 64 MiB tensor synchronised to one receiver from 0 (identical content), 1, 2 or 3 donors. Asserts the outcome
/// and writes the duration to the test output; speed itself is not asserted.
/// </summary>
public class SharedStateSyncTimings
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task SixtyFourMiBFromDonors(int donors)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await SyncCluster.StartAsync(Math.Max(2, donors + 1), ct);
        var peers = cluster.Peers;
        var states = peers.Select((_, i) => Make(1, 64 * MiB, seed: donors > 0 && i == peers.Count - 1 ? 2 : 1, "weights")).ToArray();
        var strategies = peers.Select((_, i) => donors > 0 && i == peers.Count - 1 ? SharedStateSyncStrategy.ReceiveOnly : SharedStateSyncStrategy.EnforcePopular).ToArray();

        var infos = await Task.WhenAll(peers.Select((p, i) => p.SyncSharedStateAsync(states[i], strategies[i], ct)));

        Assert.Equal(donors == 0 ? 0UL : 64UL * MiB, infos[^1].RxBytes);
        Assert.True(SameContent(states[0], states[^1]));
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"64 MiB, {donors} donor(s): {infos.Max(i => i.Duration).TotalMilliseconds:0.0} ms (receiver {infos[^1].Duration.TotalMilliseconds:0.0} ms)");
    }
}
