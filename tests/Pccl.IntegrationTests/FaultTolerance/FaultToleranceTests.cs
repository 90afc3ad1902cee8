using Pccl.Hosting.Processes;
using Pccl.IntegrationTests.Support;
using static Pccl.IntegrationTests.FaultTolerance.FaultRun;

namespace Pccl.IntegrationTests.FaultTolerance;

/// <summary>
/// Real master and worker processes; a worker injects a fault into itself once the ring of a chosen step's all-reduce is
/// running (PCCL_TEST_FAULT), so every fault lands mid-operation. Workers run with <c>--verify</c>: each result is
/// checked exactly against the world size it reports, and after a failed attempt the in-place buffer is checked for the
/// original input.
/// </summary>
public class FaultToleranceTests
{
    private const double HeartbeatTimeoutMs = 500;

    [Fact]
    public async Task SurvivorsOfASigkillMidAllReduceRetryWithRestoredBuffersAndCorrectSums()
    {
        await using var run = await StartAsync();
        var w1 = run.StartWorker("w1");
        var w2 = run.StartWorker("w2");
        var victim = run.StartWorker("victim", fault: "kill@3:0");

        await run.WaitUntilAsync(() => victim.HasExited, "the victim SIGKILLs itself in step 3");
        Assert.NotNull(Fault(victim));
        var killedAt = Fault(victim)!.Value.GetProperty("t_ns").GetInt64();
        await run.WaitUntilAsync(() => new[] { w1, w2 }.All(w => After(w, killedAt).Count() >= 3), "survivors complete steps after the kill");

        foreach (var w in new[] { w1, w2 })
        {
            var recovered = After(w, killedAt).First();
            Assert.Equal(2, World(recovered));
            Assert.True(Retries(recovered) >= 1, $"{w.Name} did not retry: {recovered}");
            Assert.Equal("peer_lost", recovered.GetProperty("error").GetString());
            Assert.True(Flag(recovered, "restored"), $"{w.Name} found its buffer not restored after the failed attempt: {recovered}");
            Assert.All(Steps(w), s => Assert.True(Flag(s, "verified"), $"{w.Name} has a wrong sum: {s}"));
        }

        AssertOneResultPerOperation(w1, w2, victim);
    }

    [Fact]
    public async Task ASigstoppedPeerIsDetectedWithinTheHeartbeatTimeoutAndRejoinsWhenResumed()
    {
        await using var run = await StartAsync();
        var w1 = run.StartWorker("w1");
        var w2 = run.StartWorker("w2");
        var frozen = run.StartWorker("frozen", fault: "stop@3:0");

        await run.WaitUntilAsync(() => Fault(frozen) is not null, "the frozen worker SIGSTOPs itself in step 3");
        var stoppedAt = Fault(frozen)!.Value.GetProperty("t_ns").GetInt64();
        await run.WaitUntilAsync(() => new[] { w1, w2 }.All(w => After(w, stoppedAt).Any()), "survivors complete a step after the stop");
        foreach (var w in new[] { w1, w2 })
        {
            var recovered = After(w, stoppedAt).First();
            Assert.Equal(2, World(recovered));
            Assert.True(Retries(recovered) >= 1, $"{w.Name} did not retry: {recovered}");
            var detectedMs = (recovered.GetProperty("first_error_t_ns").GetInt64() - stoppedAt) / 1e6;

            // The connection stayed open, so only the heartbeat timeout can have noticed: not before T minus one interval,
            // and within T plus slack for a loaded two-core machine.
            Assert.InRange(detectedMs, HeartbeatTimeoutMs - 150, HeartbeatTimeoutMs + 1000);
            Assert.True(Flag(recovered, "restored") && Flag(recovered, "verified"), $"{w.Name}: {recovered}");
        }

        Assert.False(frozen.HasExited);
        var frozenSteps = Steps(frozen).Count;
        frozen.Signal(PosixSignals.Continue);
        // resumed, it learns it was removed, reconnects as a new peer and trains with the others again
        await run.WaitUntilAsync(() => Steps(frozen).Skip(frozenSteps).Any(s => World(s) == 3), "the resumed worker rejoins at world size 3");
        // whichever it notices first on waking: the master's kick on its control connection, or its own heartbeat
        // check finding no answer for longer than the timeout
        Assert.True(frozen.Stderr.Contains("Kicked", StringComparison.Ordinal) || frozen.Stderr.Contains("master lost", StringComparison.Ordinal),
            $"the resumed worker did not learn it was removed: {frozen.Stderr}");
        Assert.Contains("reconnecting", frozen.Stderr, StringComparison.Ordinal);
        AssertOneResultPerOperation(w1, w2, frozen);
    }

    [Fact]
    public async Task APeerWhoseRingLinksBreakWhileItsMasterConnectionStaysUpIsRetriedWithTheSameWorld()
    {
        await using var run = await StartAsync();
        var w1 = run.StartWorker("w1");
        var breaker = run.StartWorker("breaker", fault: "break-ring@3:0");
        var w3 = run.StartWorker("w3");
        PcclProcess[] workers = [w1, breaker, w3];

        await run.WaitUntilAsync(() => Fault(breaker) is not null, "the breaker closes its ring connections in step 3");
        await run.WaitUntilAsync(() => workers.All(w => Steps(w).Any(s => Retries(s) > 0) && Steps(w)[^1].GetProperty("step").GetInt32() >= 5),
            "all three retry and go on");

        foreach (var w in workers)
        {
            var retried = Steps(w).First(s => Retries(s) > 0);
            Assert.Equal(3, World(retried)); // nobody was removed: the master connection stayed up
            Assert.True(Flag(retried, "restored"), $"{w.Name}: {retried}");
            Assert.All(Steps(w), s => Assert.True(Flag(s, "verified"), $"{w.Name} has a wrong sum: {s}"));
            Assert.False(w.HasExited);
        }

        AssertOneResultPerOperation(workers);
    }

    [Fact]
    public async Task ANewPeerJoinsRightAfterAFailure()
    {
        await using var run = await StartAsync();
        var w1 = run.StartWorker("w1");
        var w2 = run.StartWorker("w2");
        var victim = run.StartWorker("victim", fault: "kill@3:0");
        await run.WaitUntilAsync(() => Fault(victim) is not null, "the victim SIGKILLs itself in step 3");

        var joiner = run.StartWorker("joiner");
        PcclProcess[] world = [w1, w2, joiner];
        await run.WaitUntilAsync(() => world.All(w => Steps(w).Count(s => World(s) == 3) >= 3), "the joiner trains with the survivors at world size 3");

        Assert.All(world, w => Assert.All(Steps(w), s => Assert.True(Flag(s, "verified"), $"{w.Name} has a wrong sum: {s}")));
        AssertOneResultPerOperation(w1, w2, joiner, victim);
    }
}
