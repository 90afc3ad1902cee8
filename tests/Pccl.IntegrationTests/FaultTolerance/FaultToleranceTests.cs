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
    private const double HeartbeatTimeoutMs = 500;
    private const double HeartbeatIntervalMs = 100;

    /// <summary>The largest piece (performance.ring_chunk_size's default): a fault fires at the first piece that reaches its fraction.</summary>
    private const long MaxPieceBytes = 4 << 20;

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

    [Fact]
    public async Task ASigstoppedPeerIsDetectedWithinTheHeartbeatTimeoutAndRejoinsWhenResumed()
    {
        await using var run = await StartAsync();
        var w1 = run.StartWorker("w1");
        var w2 = run.StartWorker("w2");
        var frozen = run.StartWorker("frozen", fault: "stop@3:1/3");

        await run.WaitUntilAsync(() => Fault(frozen) is not null, "the frozen worker SIGSTOPs itself in step 3");
        var fault = AssertFiredAtAThird(frozen);
        var stoppedAt = Time(fault);
        PcclProcess[] survivors = [w1, w2];
        await run.WaitUntilAsync(() => survivors.All(w => After(Steps(w), stoppedAt).Any()), "survivors complete a step after the stop");
        foreach (var w in survivors)
        {
            var recovered = After(Steps(w), stoppedAt).First();
            Assert.DoesNotContain(PeerId(fault), ContributionAudit.Peers(recovered));
            Assert.Equal(2, World(recovered));
            Assert.True(Retries(recovered) >= 1, $"{w.Name} did not retry: {recovered}");
            AssertRestoredAfterTheFault(run, w, stoppedAt);

            // Its connections stay open, so only the master's heartbeat check can notice: docs/timeouts.md gives T to
            // T + I/2 after the last ping (the check runs every I/2), and the last ping left at most I before the stop.
            // Slack, 150 ms either way, is for scheduling only: four pccl processes (and parallel builds) share two
            // cores, so the stopped peer's last ping, the master's check thread and loop, and the survivor's abort
            // path (restoring up to 43 MiB) may each wait for a core.
            const double SlackMs = 150;
            const double Earliest = HeartbeatTimeoutMs - HeartbeatIntervalMs - SlackMs;
            const double Latest = HeartbeatTimeoutMs + (HeartbeatIntervalMs / 2) + SlackMs;
            var noticed = After(FailedAttempts(w), stoppedAt).First();
            var detectedMs = (Time(noticed) - stoppedAt) / 1e6;
            // the master's own reading of the silence when it removed the peer, carried in the abort's reason
            var silenceMs = SilenceAtRemovalMs(noticed);
            TestContext.Current.TestOutputHelper?.WriteLine($"{w.Name} noticed the stopped peer after {detectedMs:0} ms; the master removed it after {silenceMs} ms of silence");
            Assert.InRange(silenceMs, HeartbeatTimeoutMs, HeartbeatTimeoutMs + (HeartbeatIntervalMs / 2) + SlackMs);
            Assert.True(detectedMs is >= Earliest and <= Latest,
                $"{w.Name} noticed the stopped peer {detectedMs:0} ms after the stop (the master removed it after {silenceMs} ms of silence), " +
                $"outside {Earliest}-{Latest} ms (load average {File.ReadAllText("/proc/loadavg").Trim()})");
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
        run.Audit.AssertRestored(frozen, FailedAttempts(frozen));
        AssertExactSums(run, w1, w2, frozen);
    }

    [Fact]
    public async Task APeerWhoseRingLinksBreakAfterAThirdOfTheBytesIsRetriedWithTheSameWorld()
    {
        await using var run = await StartAsync();
        var w1 = run.StartWorker("w1");
        var breaker = run.StartWorker("breaker", fault: "break-ring@3:1/3");
        var w3 = run.StartWorker("w3");
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

    /// <summary>The fault line shows it fired mid-operation, at the first piece that took this peer past a third of its bytes.</summary>
    private static System.Text.Json.JsonElement AssertFiredAtAThird(PcclProcess worker)
    {
        var fault = Fault(worker)!.Value;
        var moved = fault.GetProperty("moved_bytes").GetInt64();
        var total = fault.GetProperty("total_bytes").GetInt64();
        Assert.InRange(moved, (total + 2) / 3, (total / 3) + MaxPieceBytes);
        Assert.True(moved < total, $"{worker.Name} fired after its data had all moved: {fault}");
        return fault;
    }

    /// <summary>The silence the master measured when it removed a hung peer ("no heartbeat for N ms" in the abort's reason).</summary>
    private static int SilenceAtRemovalMs(System.Text.Json.JsonElement attempt)
    {
        var reason = attempt.GetProperty("reason").GetString()!;
        var match = System.Text.RegularExpressions.Regex.Match(reason, "no heartbeat for ([0-9]+) ms");
        Assert.True(match.Success, $"the failure does not come from the master's heartbeat check: {reason}");
        return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Every survivor had a failed attempt after the fault, and after each its buffer held its input again.</summary>
    private static void AssertRestoredAfterTheFault(FaultRun run, PcclProcess worker, long faultAt)
    {
        var attempts = After(FailedAttempts(worker), faultAt).ToList();
        Assert.True(attempts.Count >= 1, $"{worker.Name} reported no failed attempt after the fault");
        run.Audit.AssertRestored(worker, attempts);
    }

    private static void AssertExactSums(FaultRun run, params PcclProcess[] workers)
    {
        foreach (var w in workers)
        {
            run.Audit.AssertExactSums(w);
        }

        AssertOneResultPerOperation(workers);
    }
}
