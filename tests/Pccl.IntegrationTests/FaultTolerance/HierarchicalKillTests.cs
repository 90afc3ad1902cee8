using Pccl.IntegrationTests.Support;
using static Pccl.IntegrationTests.FaultTolerance.FaultRun;

namespace Pccl.IntegrationTests.FaultTolerance;

/// <summary>
/// Worker processes in two regions (2 + 2, <c>network.region</c>), running the hierarchical all-reduce; one SIGKILLs
/// itself in a chosen stage. Each peer receives a third of its bytes per stage (reduce-scatter inside its region, the
/// all-reduce across, the all-gather inside), in two pipelined chunks of a sixth each. Half the bytes are reached as
/// the first chunk's crossing ends and the second's begins (the crossings run beside the region's work, so no fraction
/// lands in a crossing alone); the last chunk's all-gather waits for every other stage, so past five sixths the peer
/// is in it. The survivors (2 + 1, still hierarchical) abort, restore their buffers and retry to the exact sum of the
/// peers left.
/// </summary>
public class HierarchicalKillTests
{
    private const int Elements = 4 << 20;

    [Theory]
    [InlineData("1/2", 1, 2)] // between the crossings of the two chunks
    [InlineData("11/12", 2, 3)] // in the last all-gather inside region b
    public async Task SurvivorsOfASigkillInAStageRetryFromRestoredBuffersToTheExactSum(string fraction, int stageStartThirds, int stageEndThirds)
    {
        await using var run = await StartAsync(elements: Elements);
        var w1 = run.StartWorker("w1", environment: Region("a"));
        var w2 = run.StartWorker("w2", environment: Region("b"));
        var w3 = run.StartWorker("w3", environment: Region("a"));
        await run.WaitUntilAsync(() => Steps(w1).Any(s => World(s) == 3), "three workers train together before the victim joins");
        var victim = run.StartWorker("victim", fault: $"kill@3:{fraction}", environment: Region("b"));

        await run.WaitUntilAsync(() => victim.HasExited, "the victim SIGKILLs itself in step 3");
        var fault = Fault(victim)!.Value;
        var moved = fault.GetProperty("moved_bytes").GetInt64();
        var total = fault.GetProperty("total_bytes").GetInt64();
        Assert.Equal(3L * (Elements / 2) * sizeof(float), total);
        Assert.InRange(moved, (total * stageStartThirds / 3) + 1, (total * stageEndThirds / 3) - 1);
        var killedAt = Time(fault);
        PcclProcess[] survivors = [w1, w2, w3];
        await run.WaitUntilAsync(() => survivors.All(w => After(Steps(w), killedAt).Count() >= 2), "survivors complete steps after the kill");

        foreach (var w in survivors)
        {
            var recovered = After(Steps(w), killedAt).First();
            Assert.Equal(3, World(recovered));
            Assert.True(Retries(recovered) >= 1, $"{w.Name} did not retry: {recovered}");
            AssertRestoredAfterTheFault(run, w, killedAt);
        }

        AssertExactSums(run, w1, w2, w3, victim);
    }

    private static Dictionary<string, string> Region(string label) => new() { ["PCCL_NETWORK_REGION"] = label };
}
