using System.Diagnostics;
using System.Text.Json;
using Pccl.Hosting.Processes;
using Pccl.IntegrationTests.Support;
using static Pccl.IntegrationTests.FaultTolerance.MasterPairRun;

namespace Pccl.IntegrationTests.FaultTolerance;

/// <summary>
/// An active and a standby <c>pccl master</c> on a real PostgreSQL 15 (or one master on SQLite) under real training
/// workers that list both masters, with the workers' and masters' defaults (lease TTL 1500 ms, heartbeat timeout 500 ms,
/// master_reconnect_timeout_ms 30 s). The leader is killed, paused past its lease, or cut off from its store.
/// </summary>
[Collection(LatencyPinningCollection.Name)]
public class LeaderFailoverTests
{
    private static readonly TimeSpan LeaseTtl = TimeSpan.FromMilliseconds(1500);

    // Scheduling on a two-core machine shared with the test's pccl processes: the leader's 100 ms tick must get a core,
    // and this test's /status sample must be answered and read.
    private static readonly TimeSpan SchedulingSlack = TimeSpan.FromMilliseconds(500);

    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ALeaderKilledMidRunHandsTheRunToTheStandbyAndEveryWorkerGoesOn()
    {
        await using var run = await StartPostgresAsync();
        var first = await StartPairAsync(run);
        var workers = StartWorkers(run, "w1", "w2", "w3");
        await run.WaitUntilAsync(() => workers.All(w => AtFullWorld(w, first.Epoch) >= 5), "three workers training under the first leader");

        var killedAt = Stopwatch.StartNew();
        run.Master(0).Signal(PosixSignals.Kill);
        var second = await run.WaitForRoleAsync(1, r => r.IsLeader && r.Epoch > first.Epoch, "the standby leads in a later epoch");
        await run.WaitUntilAsync(() => workers.All(w => AtFullWorld(w, second.Epoch) >= 5), "every worker training at the full world under the new leader");
        var resumed = killedAt.Elapsed;

        Assert.All(workers, w => Assert.False(w.HasExited, $"{w.Name} exited:\n{w.Stderr}"));
        // Far above a failover under load (seconds), below fault_tolerance.vote_timeout_ms (60 s): workers that came back
        // in different phases must not wait for each other until the master removes some of them.
        Assert.True(resumed < RecoveryBound, $"the workers took {resumed.TotalSeconds:0.0} s to train at the full world again:\n{run.Logs()}");
        AssertOneResultAndStatePerRevision(workers);
        AssertRevisionsRiseByOne(workers);
    }

    [Fact]
    public async Task ALeaderPausedPastItsLeaseIsDeposedAndAfterResumingServesNothing()
    {
        await using var run = await StartPostgresAsync();
        var first = await StartPairAsync(run);
        var workers = StartWorkers(run, "w1", "w2", "w3");
        await run.WaitUntilAsync(() => workers.All(w => AtFullWorld(w, first.Epoch) >= 5), "three workers training under the first leader");

        var stoppedAt = Stopwatch.StartNew();
        run.Master(0).Signal(PosixSignals.Stop);
        var second = await run.WaitForRoleAsync(1, r => r.IsLeader && r.Epoch > first.Epoch, "the standby leads in a later epoch");
        await run.WaitUntilAsync(() => workers.All(w => AtFullWorld(w, second.Epoch) >= 3), "every worker training under the new leader");
        var pastTheLease = (2 * LeaseTtl) - stoppedAt.Elapsed;
        if (pastTheLease > TimeSpan.Zero)
        {
            await Task.Delay(pastTheLease, TestContext.Current.CancellationToken);
        }

        var resumedNs = NowNs();
        run.Master(0).Signal(PosixSignals.Continue);
        var deposed = await run.WaitForRoleAsync(0, r => !r.IsLeader, "the resumed master answers as a standby");
        await run.WaitUntilAsync(() => workers.All(w => Steps(w).Count(s => Time(s) > resumedNs) >= 5), "every worker goes on after the old leader resumed");

        var leader = await run.StatusAsync(1, TestContext.Current.CancellationToken);
        Assert.True(leader is { IsLeader: true } && leader.Epoch == second.Epoch, $"the new leader lost its lease to the resumed one: {leader}");
        Assert.True(deposed.Epoch >= second.Epoch, $"the resumed master still believes in epoch {deposed.Epoch}");
        Assert.All(workers, w =>
        {
            Assert.False(w.HasExited, $"{w.Name} exited:\n{w.Stderr}");
            Assert.DoesNotContain(Steps(w), s => Time(s) > resumedNs && Epoch(s) != second.Epoch);
        });
        AssertOneResultAndStatePerRevision(workers);
        AssertRevisionsRiseByOne(workers);
    }

    [Fact]
    public async Task ALeaderCutOffFromItsStoreStopsServingWithinItsLeaseAndTwoLeadersAreNeverSeen()
    {
        await using var run = await StartPostgresAsync();
        var first = await StartPairAsync(run);
        using var sampling = new CancellationTokenSource();
        var samples = SampleBothAsync(run, sampling.Token);

        var cutAt = Stopwatch.StartNew();
        await run.Database.StopAsync();
        await run.WaitForRoleAsync(0, r => !r.IsLeader, "the leader stops serving");
        var stoppedServing = cutAt.Elapsed;
        var standby = await run.StatusAsync(1, TestContext.Current.CancellationToken);
        Assert.False(standby?.IsLeader ?? false, "the standby leads without a store");

        await run.Database.StartProcessAsync();
        var next = await WaitForAnyLeaderAsync(run);
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        await sampling.CancelAsync();
        var seen = await samples;

        TestContext.Current.TestOutputHelper?.WriteLine($"the leader stopped serving {stoppedServing.TotalMilliseconds:0} ms after the database stopped; {seen.Count} samples");
        Assert.True(stoppedServing <= LeaseTtl + SchedulingSlack, $"the leader served {stoppedServing.TotalMilliseconds:0} ms after losing its store");
        Assert.True(next.Epoch > first.Epoch, $"the leader after the outage serves epoch {next.Epoch}, not a later one than {first.Epoch}");
        Assert.True(seen.Count >= 20, $"only {seen.Count} samples of both masters");
        Assert.DoesNotContain(seen, s => s.M1 && s.M2);
    }

    [Fact]
    public async Task AMasterRestartedOnSqliteKeepsItsEpochAndTheRunsRevisions()
    {
        var directory = Directory.CreateTempSubdirectory("pccl-sqlite-");
        try
        {
            await using var run = On($"sqlite:{Path.Combine(directory.FullName, "master.db")}");
            run.StartMaster(0);
            var first = await run.WaitForRoleAsync(0, r => r.IsLeader, "the master leads");
            var workers = StartWorkers(run, "w1", "w2");
            await run.WaitUntilAsync(() => workers.All(w => AtFullWorld(w, first.Epoch, 2) >= 5), "two workers training");

            run.Master(0).Signal(PosixSignals.Kill);
            await run.Master(0).WaitForExitAsync(TimeSpan.FromSeconds(10));
            run.StartMaster(0);
            var second = await run.WaitForRoleAsync(0, r => r.IsLeader, "the restarted master leads");
            await run.WaitUntilAsync(() => workers.All(w => AtFullWorld(w, second.Epoch, 2) >= 5), "both workers training under the restarted master");

            Assert.Equal(first.Epoch + 1, second.Epoch);
            var before = workers.SelectMany(Steps).Where(s => Epoch(s) == first.Epoch).Max(Revision);
            Assert.All(workers, w => Assert.All(Steps(w).Where(s => Epoch(s) == second.Epoch), s => Assert.True(Revision(s) > before,
                $"{w.Name} reported revision {Revision(s)} under the restarted master, not after {before}")));
            AssertOneResultAndStatePerRevision(workers);
            AssertRevisionsRiseByOne(workers);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>Workers that also report their failed attempts, which <see cref="AssertRevisionsRiseByOne"/> reads.</summary>
    private static PcclProcess[] StartWorkers(MasterPairRun run, params string[] names) => [.. names.Select(n => run.StartWorker(n, extra: ["--report-attempts"]))];

    /// <summary>Starts the first master, waits until it leads, then the second, and waits until it stands by.</summary>
    private static async Task<MasterRole> StartPairAsync(MasterPairRun run)
    {
        run.StartMaster(0);
        var first = await run.WaitForRoleAsync(0, r => r.IsLeader, "the first master leads");
        run.StartMaster(1);
        await run.WaitForRoleAsync(1, r => !r.IsLeader, "the second master stands by");
        return first;
    }

    private static async Task<MasterRole> WaitForAnyLeaderAsync(MasterPairRun run)
    {
        MasterRole? leader = null;
        await run.WaitUntilAsync(async () => (leader = await run.StatusAsync(0) is { IsLeader: true } a ? a : await run.StatusAsync(1) is { IsLeader: true } b ? b : null) is not null,
            "a master leads again once the database is back");
        return leader!;
    }

    /// <summary>Both masters' roles every 50 ms until cancelled.</summary>
    private static async Task<List<(bool M1, bool M2)>> SampleBothAsync(MasterPairRun run, CancellationToken ct)
    {
        var samples = new List<(bool, bool)>();
        while (!ct.IsCancellationRequested)
        {
            var m1 = run.StatusAsync(0, ct);
            var m2 = run.StatusAsync(1, ct);
            try
            {
                samples.Add(((await m1)?.IsLeader ?? false, (await m2)?.IsLeader ?? false));
                await Task.Delay(50, ct);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return samples;
    }

    private static int AtFullWorld(PcclProcess worker, ulong epoch, int world = 3) =>
        Steps(worker).Count(s => Epoch(s) == epoch && s.GetProperty("world_size").GetInt32() == world);

    private static long Time(JsonElement step) => step.GetProperty("t_ns").GetInt64();

    /// <summary>The clock of the workers' <c>t_ns</c> (Stopwatch time in nanoseconds, shared by the processes of one host).</summary>
    private static long NowNs() => (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency));

    /// <summary>Every worker that did the all-reduce of a revision got the same result, and every worker at a revision holds the same state.</summary>
    internal static void AssertOneResultAndStatePerRevision(PcclProcess[] workers)
    {
        var steps = workers.SelectMany(Steps).ToList();
        Assert.All(steps.GroupBy(s => s.GetProperty("input_key").GetUInt64()),
            g => Assert.Single(g.Select(s => s.GetProperty("result_hash").GetString()).Distinct()));
        Assert.All(steps.GroupBy(Revision), g => Assert.Single(g.Select(s => s.GetProperty("state_hash").GetString()).Distinct()));
    }

    /// <summary>
    /// Each worker's revisions only rise, and together they rise by exactly 1 per sync: from the first revision every
    /// worker reported, no revision is missing and none was reported twice by one worker. A sync that completed but whose
    /// step's all-reduce then failed on every worker (the master was lost after some workers heard the sync complete)
    /// leaves its revision without a step; such a revision must be the input key of a failed attempt a worker reported
    /// (<c>--report-attempts</c>). Without attempt reports every revision must have a step.
    /// </summary>
    internal static void AssertRevisionsRiseByOne(PcclProcess[] workers)
    {
        foreach (var w in workers)
        {
            var revisions = Steps(w).Select(Revision).ToList();
            Assert.True(revisions.Zip(revisions.Skip(1)).All(p => p.Second > p.First), $"{w.Name}'s revisions do not rise: {string.Join(',', revisions)}");
        }

        var common = workers.Max(w => Steps(w).Select(Revision).Min());
        var stepped = workers.SelectMany(Steps).Select(Revision).Where(r => r >= common).ToHashSet();
        var attempted = workers.SelectMany(w => w.JsonLines().Where(l => l.TryGetProperty("failed_attempt_step", out _)))
            .Select(a => a.GetProperty("input_key").GetUInt64()).ToHashSet();
        var last = stepped.Max();
        var missing = Enumerable.Range(0, (int)(last - common + 1)).Select(i => common + (ulong)i).Where(r => !stepped.Contains(r)).ToList();
        Assert.True(missing.All(attempted.Contains),
            $"revisions {string.Join(',', missing.Where(r => !attempted.Contains(r)))} between {common} and {last} have neither a step nor a failed attempt; " +
            $"steps: {string.Join(' ', workers.Select(w => $"{w.Name}[{string.Join(',', Steps(w).Select(Revision))}]"))}");
    }
}
