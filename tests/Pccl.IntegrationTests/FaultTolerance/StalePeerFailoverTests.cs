using System.Text.Json;
using Pccl.Hosting.Processes;
using Pccl.IntegrationTests.Support;
using static Pccl.IntegrationTests.FaultTolerance.LeaderFailoverTests;
using static Pccl.IntegrationTests.FaultTolerance.MasterPairRun;

namespace Pccl.IntegrationTests.FaultTolerance;

/// <summary>
/// A stale peer is the first to reach the next leader: a <c>pccl worker</c> restarted from an old checkpoint registers
/// with the new leader (after a failover on PostgreSQL, or after a restart of the one master on SQLite) while the
/// up-to-date worker is paused. The run must not go back to its revision: once that worker is back, both
/// go on from the revision the run had reached, and the stale one receives that state.
/// <para>
/// One up-to-date worker comes back: admitted by the stale one's vote, it starts its loop again as a joiner does (the
/// sync first, no vote), in step with the stale one, which goes on to the sync after admitting it.
/// What is asserted is the state, not the timing: masters and workers get a heartbeat timeout well above the default, so
/// that a worker starting on a busy machine is not removed before it trains (a worker removed while it is admitted
/// exits).
/// </para>
/// </summary>
[Collection(LatencyPinningCollection.Name)]
public class StalePeerFailoverTests
{
    private const int CheckpointInterval = 2;

    /// <summary>How far behind the run the stale checkpoint must be at least: "far", and more than the +1 a sync may add.</summary>
    private const ulong FarBehind = 10;

    private static readonly Dictionary<string, string> Patient = new() { ["PCCL_NETWORK_HEARTBEAT_TIMEOUT_MS"] = "3000" };

    [Fact]
    public async Task AStalePeerFirstAtTheStandbyThatTookOverReceivesTheCurrentStateAndTheRunDoesNotGoBack()
    {
        await using var run = await StartPostgresAsync();
        run.StartMaster(0, Patient);
        var first = await run.WaitForRoleAsync(0, r => r.IsLeader, "the first master leads");
        run.StartMaster(1, Patient);
        await run.WaitForRoleAsync(1, r => !r.IsLeader, "the second master stands by");

        await RunStalePeerCaseAsync(run, first, async () =>
        {
            run.Master(0).Signal(PosixSignals.Kill);
            return (1, await run.WaitForRoleAsync(1, r => r.IsLeader && r.Epoch > first.Epoch, "the standby leads in a later epoch"));
        });
    }

    [Fact]
    public async Task AStalePeerFirstAtARestartedSqliteMasterReceivesTheCurrentStateAndTheRunDoesNotGoBack()
    {
        var directory = Directory.CreateTempSubdirectory("pccl-sqlite-");
        try
        {
            await using var run = On($"sqlite:{Path.Combine(directory.FullName, "master.db")}");
            run.StartMaster(0, Patient);
            var first = await run.WaitForRoleAsync(0, r => r.IsLeader, "the master leads");

            await RunStalePeerCaseAsync(run, first, async () =>
            {
                run.Master(0).Signal(PosixSignals.Kill);
                await run.Master(0).WaitForExitAsync(TimeSpan.FromSeconds(10));
                run.StartMaster(0, Patient);
                var restarted = await run.WaitForRoleAsync(0, r => r.IsLeader, "the restarted master leads");
                Assert.Equal(first.Epoch + 1, restarted.Epoch);
                return (0, restarted);
            });
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Trains with a worker that checkpoints and is then killed, takes the run far past its checkpoint with two more,
    /// kills one of them and pauses the other, lets <paramref name="failOver"/> bring the next leader (returning its
    /// index and role), starts a worker from the old checkpoint, and resumes the paused one once it is registered there alone.
    /// </summary>
    private static async Task RunStalePeerCaseAsync(MasterPairRun run, MasterRole first, Func<Task<(int Index, MasterRole Role)>> failOver)
    {
        var checkpoints = Directory.CreateTempSubdirectory("pccl-stale-checkpoints-");
        var writers = new List<PcclProcess>();
        try
        {
            var withCheckpoints = new Dictionary<string, string>(Patient)
            {
                ["PCCL_FAULT_TOLERANCE_CHECKPOINT_DIR"] = checkpoints.FullName,
                ["PCCL_FAULT_TOLERANCE_CHECKPOINT_INTERVAL_STEPS"] = CheckpointInterval.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            var old = run.StartWorker("old", withCheckpoints);
            writers.Add(old);
            PcclProcess[] current = [run.StartWorker("w1", Patient), run.StartWorker("w2", Patient)];
            // the checkpoint of revision r is written after r's step line: two intervals on, one is on disk
            await run.WaitUntilAsync(() => LastRevision(old) >= 3 * CheckpointInterval, "the worker that checkpoints reaches a few checkpoints");
            old.Signal(PosixSignals.Kill);
            await old.WaitForExitAsync(TimeSpan.FromSeconds(10));
            var oldRevision = LastRevision(old);
            await run.WaitUntilAsync(() => current.All(w => LastRevision(w) >= oldRevision + (2 * FarBehind)), "the run goes on far past the checkpoint");

            current[1].Signal(PosixSignals.Kill);
            await current[1].WaitForExitAsync(TimeSpan.FromSeconds(10));
            // the one left has heard that the world shrank, so it does not wait to regroup to the old size after the failover
            await run.WaitForRoleAsync(0, r => r.IsLeader && r.Peers == 1, "the leader holds only the worker that will come back");
            await Task.Delay(TimeSpan.FromMilliseconds(500), TestContext.Current.CancellationToken);
            var back = current[0];
            back.Signal(PosixSignals.Stop);
            var reached = current.Max(LastRevision);
            var (index, next) = await failOver();
            var stale = run.StartWorker("stale", withCheckpoints);
            writers.Add(stale);
            await run.WaitForRoleAsync(index, r => r.IsLeader && r.Epoch == next.Epoch && r.Peers == 1, "the stale worker registered with the new leader, alone");
            back.Signal(PosixSignals.Continue);

            PcclProcess[] all = [back, stale];
            await run.WaitUntilAsync(() => all.All(w => Steps(w).Count(s => Epoch(s) == next.Epoch && WorldSize(s) == 2) >= 5),
                "the stale worker and the one that came back training together under the new leader");

            var resumed = ResumedRevision(stale);
            Assert.True(resumed + FarBehind < reached, $"the stale worker resumed from revision {resumed}, not far behind the run's {reached}");
            Assert.All(all, w =>
            {
                Assert.False(w.HasExited, $"{w.Name} exited:\n{w.Stderr}");
                Assert.All(Steps(w).Where(s => Epoch(s) == next.Epoch), s => Assert.True(Revision(s) > reached,
                    $"{w.Name} reported revision {Revision(s)} under the new leader: the run went back from {reached}"));
            });
            var firstStale = Steps(stale)[0];
            Assert.True(firstStale.GetProperty("sync_rx_bytes").GetUInt64() > 0, $"the stale worker's first step received no state: {firstStale}");
            AssertOneResultAndStatePerRevision(all);
            AssertRevisionsRiseByOne(all);
            Assert.True(first.Epoch < next.Epoch);
        }
        finally
        {
            // the workers that checkpoint stop first: one still writing would turn a failure above into "directory not empty"
            foreach (var writer in writers)
            {
                await writer.DisposeAsync();
            }

            checkpoints.Delete(recursive: true);
        }
    }

    private static ulong LastRevision(PcclProcess worker) => Steps(worker) is { Count: > 0 } steps ? Revision(steps[^1]) : 0;

    private static int WorldSize(JsonElement step) => step.GetProperty("world_size").GetInt32();

    /// <summary>The revision of the checkpoint the worker loaded, from its <c>resumed_revision</c> line.</summary>
    private static ulong ResumedRevision(PcclProcess worker) =>
        worker.JsonLines().Single(l => l.TryGetProperty("resumed_revision", out _)).GetProperty("resumed_revision").GetUInt64();
}
