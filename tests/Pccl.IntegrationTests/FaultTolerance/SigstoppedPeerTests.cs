using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Pccl.Hosting.Processes;
using Pccl.IntegrationTests.Support;
using static Pccl.IntegrationTests.FaultTolerance.FaultRun;

namespace Pccl.IntegrationTests.FaultTolerance;

/// <summary>
/// A worker that SIGSTOPs itself a third of the way through a step's all-reduce (<c>--inject-fault stop@3:1/3</c>) under
/// two others, timed from its fault line to the survivors' failed attempts, then resumed. It pins detection latencies, so
/// it runs alone among the tests.
/// </summary>
[Collection(LatencyPinningCollection.Name)]
public class SigstoppedPeerTests
{
    private const double HeartbeatTimeoutMs = 500;
    private const double HeartbeatIntervalMs = 100;

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
        var noticed = new Dictionary<PcclProcess, JsonElement>();
        foreach (var w in survivors)
        {
            var recovered = After(Steps(w), stoppedAt).First();
            Assert.DoesNotContain(PeerId(fault), ContributionAudit.Peers(recovered));
            Assert.Equal(2, World(recovered));
            Assert.True(Retries(recovered) >= 1, $"{w.Name} did not retry: {recovered}");
            AssertRestoredAfterTheFault(run, w, stoppedAt);
            noticed[w] = After(FailedAttempts(w), stoppedAt).First();
        }

        // Its connections stay open, so only the master's heartbeat check can notice: docs/timeouts.md gives T to
        // T + I/2 after the last ping (the check runs every I/2). The survivor that reads its abort first fails with the
        // master's reading of that silence; the other fails with that abort too, or first sees the first survivor's
        // retired lanes close its ring link (each survivor fails on its first sign). So at least one carries the
        // master's reason, which is held to that, with 150 ms for its check thread to get a core.
        const double CheckSlackMs = 150;
        var removals = noticed.Values.Select(a => a.GetProperty("reason").GetString()!).Where(r => r.Contains("no heartbeat for", StringComparison.Ordinal)).ToList();
        Assert.True(removals.Count > 0, $"no survivor's failure comes from the master's heartbeat check: {string.Join(" | ", noticed.Values)}");
        var silenceMs = SilenceAtRemovalMs(removals[0]);
        Assert.InRange(silenceMs, HeartbeatTimeoutMs, HeartbeatTimeoutMs + (HeartbeatIntervalMs / 2) + CheckSlackMs);

        // Each survivor then learns of the removal: from the stop, that is detection (at most T + I/2, since the last
        // ping left before the stop) plus delivery and unwinding (restoring up to 43 MiB); the bound allows T + I and
        // 300 ms of scheduling, as four pccl processes share two cores. No lower bound holds end to end: a starved
        // peer's pings can be more than I apart, so its last ping may precede the stop by more than I and the removal
        // look early; the master-side lower bound T says the detection itself was not early.
        const double DeliverySlackMs = 300;
        const double Latest = HeartbeatTimeoutMs + HeartbeatIntervalMs + DeliverySlackMs;
        foreach (var (w, attempt) in noticed)
        {
            var detectedMs = (Time(attempt) - stoppedAt) / 1e6;
            TestContext.Current.TestOutputHelper?.WriteLine($"{w.Name} noticed the stopped peer after {detectedMs:0} ms ({attempt.GetProperty("reason").GetString()})");
            Assert.True(detectedMs <= Latest,
                $"{w.Name} noticed the stopped peer {detectedMs:0} ms after the stop (the master removed it after {silenceMs} ms of silence), " +
                $"later than {Latest} ms (load average {File.ReadAllText("/proc/loadavg").Trim()})");
        }

        Assert.False(frozen.HasExited);
        var frozenSteps = Steps(frozen).Count;
        frozen.Signal(PosixSignals.Continue);
        // resumed, it learns it was removed, reconnects as a new peer and trains with the others again
        await run.WaitUntilAsync(() => Steps(frozen).Skip(frozenSteps).Any(s => World(s) == 3), "the resumed worker rejoins at world size 3");
        // Whichever it notices first on waking: the master's kick on its control connection ("the master removed this
        // peer"), after which the worker reconnects; or its own heartbeat check finding no answer for longer than the
        // timeout, after which the communicator registers again with the leader. Either way the log says which, and what
        // it did about it. (Its step may fail first on a ring link its neighbours closed long ago, so the kick need not
        // be what its all-reduce threw.)
        var stderr = frozen.Stderr;
        var reconnectedAfterKick = stderr.Contains("the master removed this peer", StringComparison.Ordinal) && stderr.Contains("reconnecting", StringComparison.Ordinal);
        var registeredAfterLoss = stderr.Contains("master lost", StringComparison.Ordinal) && stderr.Contains("registering again with the leader", StringComparison.Ordinal);
        Assert.True(reconnectedAfterKick || registeredAfterLoss, $"the resumed worker's log does not say it learned of its removal and came back: {stderr}");
        run.Audit.AssertRestored(frozen, FailedAttempts(frozen));
        AssertExactSums(run, w1, w2, frozen);
    }

    /// <summary>The silence the master measured when it removed a hung peer ("no heartbeat for N ms" in the abort's reason).</summary>
    private static int SilenceAtRemovalMs(string reason)
    {
        var match = Regex.Match(reason, "no heartbeat for ([0-9]+) ms");
        Assert.True(match.Success, $"the failure does not come from the master's heartbeat check: {reason}");
        return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }
}
