using Pccl.Hosting.Processes;
using Pccl.IntegrationTests.Support;
using static Pccl.IntegrationTests.FaultTolerance.FaultRun;

namespace Pccl.IntegrationTests.FaultTolerance;

/// <summary>
/// Real master and worker processes running the library's retry helper (<c>AllReduceWithRetryAsync</c>) on 64 MiB of
/// distinct per-peer data. A worker injects a fault into itself (<c>--inject-fault</c>) once it has received a third of
/// its bytes of a chosen step's all-reduce, so every fault lands while data moves. The test recomputes every input,
/// every exact sum over the peers a result names, and every buffer a failed attempt left, from what the workers report.
/// </summary>
public class FaultToleranceTests
{
    [Fact]
    public async Task SurvivorsOfASigkillAfterAThirdOfTheBytesRetryFromRestoredBuffersToTheExactSumOfThePeersLeft()
    {
        await using var run = await StartAsync();
        var w1 = run.StartWorker("w1");
        var w2 = run.StartWorker("w2");
        var victim = run.StartWorker("victim", fault: "kill@3:1/3");

        await run.WaitUntilAsync(() => victim.HasExited, "the victim SIGKILLs itself in step 3");
        var fault = AssertFiredAtAThird(victim);
        var killedAt = Time(fault);
        PcclProcess[] survivors = [w1, w2];
        await run.WaitUntilAsync(() => survivors.All(w => After(Steps(w), killedAt).Count() >= 2), "survivors complete steps after the kill");

        var left = survivors.Select(w => PeerId(After(Steps(w), killedAt).First())).Order().ToList();
        foreach (var w in survivors)
        {
            var recovered = After(Steps(w), killedAt).First();
            Assert.Equal(left, ContributionAudit.Peers(recovered).Order());
            Assert.True(Retries(recovered) >= 1, $"{w.Name} did not retry: {recovered}");
            Assert.Equal("peer_lost", recovered.GetProperty("error").GetString());
            AssertRestoredAfterTheFault(run, w, killedAt);
        }

        AssertExactSums(run, w1, w2, victim);
    }

    /// <param name="fault">break-ring closes all the breaker's ring connections; cut-stream one of the two stripes it sends on.</param>
    /// <param name="connectionsPerPeer">performance.connections_per_peer of every worker; null for the default.</param>
    [Theory]
    [InlineData("break-ring", null)]
    [InlineData("cut-stream", "2")]
    public async Task APeerWhoseRingLinksBreakAfterAThirdOfTheBytesIsRetriedWithTheSameWorld(string fault, string? connectionsPerPeer)
    {
        await using var run = await StartAsync();
        var env = connectionsPerPeer is null ? null : new Dictionary<string, string> { ["PCCL_PERFORMANCE_CONNECTIONS_PER_PEER"] = connectionsPerPeer };
        var w1 = run.StartWorker("w1", environment: env);
        var breaker = run.StartWorker("breaker", fault: $"{fault}@3:1/3", environment: env);
        var w3 = run.StartWorker("w3", environment: env);
        PcclProcess[] workers = [w1, breaker, w3];

        await run.WaitUntilAsync(() => Fault(breaker) is not null, "the breaker closes its ring connections in step 3");
        var brokeAt = Time(AssertFiredAtAThird(breaker));
        await run.WaitUntilAsync(() => workers.All(w => After(Steps(w), brokeAt).Count() >= 2), "all three retry and go on");

        var everyone = workers.Select(w => PeerId(After(Steps(w), brokeAt).First())).Order().ToList();
        foreach (var w in workers)
        {
            var retried = After(Steps(w), brokeAt).First();
            Assert.True(Retries(retried) >= 1, $"{w.Name} did not retry: {retried}");
            Assert.Equal(3, World(retried));
            Assert.Equal(everyone, ContributionAudit.Peers(retried).Order()); // nobody was removed: the master connections stayed up
            AssertRestoredAfterTheFault(run, w, brokeAt);
            Assert.False(w.HasExited);
        }

        AssertExactSums(run, workers);
    }

    [Fact]
    public async Task ANewPeerJoinsRightAfterAFailure()
    {
        await using var run = await StartAsync();
        var w1 = run.StartWorker("w1");
        var w2 = run.StartWorker("w2");
        var victim = run.StartWorker("victim", fault: "kill@3:1/3");
        await run.WaitUntilAsync(() => Fault(victim) is not null, "the victim SIGKILLs itself in step 3");

        var joiner = run.StartWorker("joiner");
        PcclProcess[] world = [w1, w2, joiner];
        await run.WaitUntilAsync(() => world.All(w => Steps(w).Count(s => World(s) == 3) >= 3), "the joiner trains with the survivors at world size 3");

        var joinerId = PeerId(Steps(joiner)[0]);
        Assert.All([w1, w2], w => Assert.Contains(Steps(w), s => ContributionAudit.Peers(s).Contains(joinerId)));
        AssertExactSums(run, w1, w2, joiner, victim);
    }

    [Fact]
    public async Task AWorkerIgnoresPcclTestFaultInItsEnvironmentAndWarns()
    {
        await using var run = await StartAsync(elements: 1 << 16);
        var stray = run.StartWorker("stray", environment: new Dictionary<string, string> { ["PCCL_TEST_FAULT"] = "kill@1:0" });
        var other = run.StartWorker("other");

        await run.WaitUntilAsync(() => Steps(stray).Count >= 3 || stray.HasExited, "three steps past the step the variable names");

        Assert.False(stray.HasExited, $"the worker died: {stray.Stderr}");
        Assert.Null(Fault(stray));
        Assert.Contains("PCCL_TEST_FAULT", stray.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("PCCL_TEST_FAULT", other.Stderr, StringComparison.Ordinal);
        AssertExactSums(run, stray, other);
    }
}
