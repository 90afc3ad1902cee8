using System.Diagnostics;
using System.Globalization;
using Pccl.Hosting.Processes;
using Pccl.IntegrationTests.Support;
using static Pccl.IntegrationTests.FaultTolerance.FaultRun;

namespace Pccl.IntegrationTests.FaultTolerance;

/// <summary>
/// A real master process that dies or hangs under training workers, timed from the signal to each worker noticing (its
/// warning line) and exiting with <c>MasterLost</c> (workers run with <c>fault_tolerance.master_reconnect_timeout_ms</c>
/// 0, so they exit with the library's error instead of reconnecting). The workers' heartbeats run at the defaults unless
/// a test says otherwise: interval I = 100 ms, timeout T = 500 ms (docs/timeouts.md).
/// </summary>
[Collection(LatencyPinningCollection.Name)]
public class MasterLossTests
{
    private static readonly TimeSpan HeartbeatTimeout = TimeSpan.FromMilliseconds(500);

    // Scheduling on a two-core machine shared with three pccl processes (this test runs alone among the tests): the
    // worker's thread that notices must get a core and log the line. The line's own time stamp is compared, so how late
    // this test reads it does not count.
    private static readonly TimeSpan SchedulingSlack = TimeSpan.FromMilliseconds(300);

    // After noticing, a worker closes its sockets and listeners, stops its metrics web host, prints the error and exits,
    // and this test must see the exit. No document promises how long that takes: 0.35-1.2 s were measured at a load
    // average of 30 on two cores. The bound still fails a teardown that waits out a timeout of seconds.
    private static readonly TimeSpan ExitSlack = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task WhenTheMasterIsKilledEveryPeerFailsFastWithMasterLost()
    {
        await using var run = await StartMasterAsync();
        // The workers' own heartbeat check waits 5 s here, so only the closed connection can make them notice in time:
        // with the default T a worker starved of CPU before the kill can let that check fire first.
        var workers = await StartTrainingAsync(run, heartbeatTimeoutMs: 5000);

        var seen = await SignalAndWatchAsync(run, PosixSignals.Kill, workers, "lost the master");

        // The OS closes a killed process's sockets, so each worker's control connection ends one loopback round trip
        // later; everything beyond that is scheduling.
        foreach (var (w, noticed, exited) in seen)
        {
            Report($"SIGKILL: {w.Name} noticed after {noticed.TotalMilliseconds:0} ms, exited after {exited.TotalMilliseconds:0} ms");
            Assert.True(noticed <= SchedulingSlack, $"{w.Name} noticed the killed master only after {noticed.TotalMilliseconds:0} ms:\n{w.Stderr}");
            Assert.True(exited <= noticed + ExitSlack, $"{w.Name} exited only {exited.TotalMilliseconds:0} ms after the kill:\n{w.Stderr}");
            Assert.DoesNotContain("no heartbeat answer", w.Stderr, StringComparison.Ordinal);
            AssertExitedWithMasterLost(w);
        }
    }

    [Fact]
    public async Task WhenTheMasterHangsEveryPeerFailsWithMasterLostWithinTheHeartbeatTimeout()
    {
        await using var run = await StartMasterAsync();
        var workers = await StartTrainingAsync(run);

        try
        {
            var seen = await SignalAndWatchAsync(run, PosixSignals.Stop, workers, "no heartbeat answer");

            // The connections stay open, so only each worker's heartbeat check can notice: T after the last answer it
            // accepted. That answer left the master before the stop, so the worker notices within T of the stop plus
            // scheduling. How long before the stop it came is unknown (a starved worker reads answers late, and its pings
            // can be more than I apart), so the lower bound is the worker's own reading of the silence: T, and no more
            // than scheduling beyond it, since its check wakes when the silence reaches T.
            foreach (var (w, noticed, exited) in seen)
            {
                var silence = SilenceReported(w);
                Report($"SIGSTOP: {w.Name} noticed after {noticed.TotalMilliseconds:0} ms ({silence.TotalMilliseconds:0} ms of silence), " +
                       $"exited after {exited.TotalMilliseconds:0} ms");
                Assert.InRange(silence, HeartbeatTimeout, HeartbeatTimeout + SchedulingSlack);
                Assert.True(noticed <= HeartbeatTimeout + SchedulingSlack,
                    $"{w.Name} noticed the hung master {noticed.TotalMilliseconds:0} ms after the stop:\n{w.Stderr}");
                Assert.True(exited <= noticed + ExitSlack, $"{w.Name} exited only {exited.TotalMilliseconds:0} ms after the stop:\n{w.Stderr}");
                AssertExitedWithMasterLost(w);
            }
        }
        finally
        {
            run.Master.Signal(PosixSignals.Continue);
        }
    }

    /// <summary>
    /// A master that gives workers 5 s of silence before removing them: these tests watch the workers' side, and a worker
    /// starting up on a starved machine can miss the default 500 ms and be removed before the test begins.
    /// </summary>
    private static Task<FaultRun> StartMasterAsync() => StartAsync(heartbeatTimeoutMs: 5000);

    private static async Task<PcclProcess[]> StartTrainingAsync(FaultRun run, int? heartbeatTimeoutMs = null)
    {
        PcclProcess[] workers = [.. new[] { "w1", "w2" }.Select(name => run.StartWorker(name, reconnectMs: 0, heartbeatTimeoutMs: heartbeatTimeoutMs))];
        await run.WaitUntilAsync(() => workers.All(w => Steps(w).Count >= 2), "two workers training");
        return workers;
    }

    /// <summary>
    /// Signals the master and returns, for each worker, how long after the signal it logged <paramref name="marker"/>
    /// (the log line's own time stamp, so this test's load does not count) and when this test saw it exit.
    /// </summary>
    private static async Task<List<(PcclProcess Worker, TimeSpan Noticed, TimeSpan Exited)>> SignalAndWatchAsync(
        FaultRun run, int signal, PcclProcess[] workers, string marker)
    {
        var wall = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        run.Master.Signal(signal);
        var exited = new TimeSpan?[workers.Length];
        while (exited.Any(e => e is null))
        {
            for (var i = 0; i < workers.Length; i++)
            {
                exited[i] ??= workers[i].HasExited ? clock.Elapsed : null;
            }

            if (clock.Elapsed > Patience)
            {
                Assert.Fail($"not every worker exited within {Patience.TotalSeconds} s:\n" +
                            string.Join('\n', workers.Select(w => $"--- {w.Name} (exited: {w.HasExited}):\n{w.Stderr}")));
            }

            await Task.Delay(5);
        }

        var seen = new List<(PcclProcess, TimeSpan, TimeSpan)>();
        for (var i = 0; i < workers.Length; i++)
        {
            Assert.Equal(1, await workers[i].WaitForExitAsync(TimeSpan.FromSeconds(5))); // and its output read to the end
            seen.Add((workers[i], LoggedAt(workers[i], marker) - wall, exited[i]!.Value));
        }

        return seen;
    }

    /// <summary>The time stamp of the first log line holding <paramref name="marker"/> ("yyyy-MM-dd HH:mm:ss.fff zzz [WRN] ...").</summary>
    private static DateTimeOffset LoggedAt(PcclProcess worker, string marker)
    {
        var line = worker.Stderr.Split('\n').FirstOrDefault(l => l.Contains(marker, StringComparison.Ordinal))
                   ?? throw new Xunit.Sdk.XunitException($"{worker.Name} never logged '{marker}':\n{worker.Stderr}");
        return DateTimeOffset.ParseExact(line[..30], "yyyy-MM-dd HH:mm:ss.fff zzz", CultureInfo.InvariantCulture);
    }

    /// <summary>The silence a worker measured when it gave up on the master ("no heartbeat answer for N ms").</summary>
    private static TimeSpan SilenceReported(PcclProcess worker)
    {
        var match = System.Text.RegularExpressions.Regex.Match(worker.Stderr, "no heartbeat answer for ([0-9]+) ms");
        Assert.True(match.Success, $"{worker.Name} reported no heartbeat silence:\n{worker.Stderr}");
        return TimeSpan.FromMilliseconds(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    private static void AssertExitedWithMasterLost(PcclProcess worker) =>
        Assert.Contains("error (MasterLost, retryable)", worker.Stderr, StringComparison.Ordinal);

    private static void Report(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);
}
