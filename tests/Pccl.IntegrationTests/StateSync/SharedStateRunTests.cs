using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text.Json;
using Pccl.Hosting.Checkpoints;
using Pccl.Hosting.Processes;
using Pccl.IntegrationTests.Support;

namespace Pccl.IntegrationTests.StateSync;

/// <summary>The worker's shared state across a master restart and a restart from checkpoints, with real processes.</summary>
public class SharedStateRunTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>The checkpoint store's log event ids (CheckpointLog: Loaded, Skipped).</summary>
    private const int CheckpointLoadedEvent = 4102, CheckpointSkippedEvent = 4103;

    [Fact]
    public async Task AMasterRestartedMidRunResumesFromThePeersRevisionWithoutDivergence()
    {
        var port = FreePort.Tcp();
        var range = FreePort.P2PRange();
        var env = new Dictionary<string, string> { ["PCCL_FAULT_TOLERANCE_MASTER_RECONNECT_TIMEOUT_MS"] = "60000" };
        var master = await PcclProcess.StartMasterAsync(port);
        await using var w1 = PcclProcess.StartWorker("w1", port, range, environment: env);
        await using var w2 = PcclProcess.StartWorker("w2", port, range, environment: env);
        await using var w3 = PcclProcess.StartWorker("w3", port, range, environment: env);
        var workers = new[] { w1, w2, w3 };
        await PcclProcess.WaitUntilAsync(() => workers.All(w => Revision(w) >= 5), Patience, "revision 5 everywhere", [master, .. workers]);

        master.Signal(PosixSignals.Kill);
        await master.WaitForExitAsync(TimeSpan.FromSeconds(10));
        await master.DisposeAsync();
        var before = workers.Max(Revision);

        await using var restarted = await PcclProcess.StartMasterAsync(port);
        await PcclProcess.WaitUntilAsync(() => workers.All(w => Revision(w) >= before + 5), Patience, "training resumes past the old revision", [restarted, .. workers]);

        Assert.All(workers, w => Assert.False(w.HasExited));
        AssertNoDivergence(workers);
        // each worker's revisions only ever rise by one per step: the restart did not reset anyone to zero
        Assert.All(workers, w =>
        {
            var revisions = w.Steps().Select(s => s.GetProperty("revision").GetUInt64()).ToList();
            Assert.All(revisions.Zip(revisions.Skip(1)), pair => Assert.True(pair.Second > pair.First, $"{w.Name}: revision {pair.Second} after {pair.First}"));
        });
    }

    [Fact]
    public async Task WorkersResumeFromTheirNewestValidCheckpointAndSkipACorruptOne()
    {
        const int elements = 1 << 16;
        string[] size = ["--elements", elements.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        var dirs = Enumerable.Range(0, 2).Select(_ => Directory.CreateTempSubdirectory("pccl-ckpt-").FullName).ToArray();
        try
        {
            var range = FreePort.P2PRange();
            ulong reached;
            List<JsonElement> aSteps;
            {
                var port = FreePort.Tcp();
                await using var master = await PcclProcess.StartMasterAsync(port);
                await using var a = PcclProcess.StartWorker("a", port, range, size, Checkpoints(dirs[0]));
                await using var b = PcclProcess.StartWorker("b", port, range, size, Checkpoints(dirs[1]));
                await PcclProcess.WaitUntilAsync(() => Revision(a) >= 12 && Revision(b) >= 12, Patience, "revision 12", master, a, b);
                a.Signal(PosixSignals.Kill);
                b.Signal(PosixSignals.Kill);
                await a.WaitForExitAsync(TimeSpan.FromSeconds(10));
                reached = Math.Min(Revision(a), Revision(b));
                aSteps = StepReports(a);
            }

            // corrupt a's newest checkpoint: a must fall back to the one before it and be dragged to the group's revision
            var aCheckpoints = new CheckpointStore(new CheckpointStoreOptions { Directory = dirs[0] });
            var (newest, fallback) = (aCheckpoints.ListRevisions()[0], aCheckpoints.ListRevisions()[1]);
            var corrupt = Path.Combine(dirs[0], $"rev-{newest}.ckpt");
            var bytes = await File.ReadAllBytesAsync(corrupt, TestContext.Current.CancellationToken);
            bytes[^100] ^= 0xFF;
            await File.WriteAllBytesAsync(corrupt, bytes, TestContext.Current.CancellationToken);
            // what the fallback file holds is what a had at that revision
            var parameters = new float[elements];
            var loadable = new Pccl.SharedState([SharedStateEntry.Create("parameters", parameters.AsMemory())]);
            Assert.Equal(fallback, await aCheckpoints.TryLoadNewestAsync(loadable, TestContext.Current.CancellationToken));
            Assert.Equal(
                aSteps.Single(s => s.GetProperty("revision").GetUInt64() == fallback).GetProperty("state_hash").GetString(),
                Convert.ToHexStringLower(XxHash3.Hash(MemoryMarshal.AsBytes(parameters.AsSpan()))));

            var port2 = FreePort.Tcp();
            await using var master2 = await PcclProcess.StartMasterAsync(port2);
            await using var a2 = PcclProcess.StartWorker("a2", port2, range, size, Checkpoints(dirs[0]));
            await using var b2 = PcclProcess.StartWorker("b2", port2, range, size, Checkpoints(dirs[1]));
            await PcclProcess.WaitUntilAsync(() => a2.Steps().Count >= 3 && b2.Steps().Count >= 3, Patience, "training after the restart", master2, a2, b2);

            var firstRevision = b2.Steps()[0].GetProperty("revision").GetUInt64();
            Assert.True(firstRevision > 10 && firstRevision <= reached + 1, $"b resumed at revision {firstRevision}, checkpoints every 5 up to {reached}");
            Assert.Equal(firstRevision, a2.Steps()[0].GetProperty("revision").GetUInt64());
            Assert.True(a2.Steps()[0].GetProperty("sync_rx_bytes").GetUInt64() > 0, "a, restored from an older checkpoint, received the newer state");
            var skipped = Assert.Single(LogEvents(a2, CheckpointSkippedEvent));
            Assert.True(skipped.Contains(corrupt, StringComparison.Ordinal) && skipped.Contains("content of key 'parameters' does not match its hash", StringComparison.Ordinal), skipped);
            var loaded = Assert.Single(LogEvents(a2, CheckpointLoadedEvent));
            Assert.True(loaded.Contains(Path.Combine(dirs[0], $"rev-{fallback}.ckpt"), StringComparison.Ordinal) && loaded.Contains($"(revision {fallback})", StringComparison.Ordinal), loaded);
            Assert.Empty(LogEvents(b2, CheckpointSkippedEvent));
            AssertNoDivergence([a2, b2]);
        }
        finally
        {
            foreach (var d in dirs)
            {
                Directory.Delete(d, recursive: true);
            }
        }
    }

    [Fact]
    public async Task ALateJoinersDonorKilledMidTransferLeavesItWithTheWholeStateFromTheOther()
    {
        const int elements = 16 << 20; // 64 MiB of parameters: 16 blocks, so each of two donors serves several
        var port = FreePort.Tcp();
        var range = FreePort.P2PRange();
        string[] size = ["--elements", elements.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        await using var master = await PcclProcess.StartMasterAsync(port);
        await using var survivor = PcclProcess.StartWorker("survivor", port, range, size);
        await using var victim = PcclProcess.StartWorker("victim", port, range, [.. size, "--inject-fault", "kill-serving@3"]);
        await PcclProcess.WaitUntilAsync(() => Revision(survivor) >= 3 && Revision(victim) >= 3, Patience, "revision 3 on both donors", master, survivor, victim);

        await using var joiner = PcclProcess.StartWorker("joiner", port, range, size);
        await PcclProcess.WaitUntilAsync(() => StepReports(joiner).Count >= 3, Patience, "three steps on the joiner", master, survivor, victim, joiner);

        await victim.WaitForExitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains(victim.JsonLines(), l => l.TryGetProperty("fault", out var f) && f.GetString() == "kill-serving");
        var first = StepReports(joiner)[0];
        Assert.Equal(elements * 4UL, first.GetProperty("sync_rx_bytes").GetUInt64());
        // the sync that lost a donor still succeeded: nobody had to retry it
        Assert.DoesNotContain("shared-state sync failed", joiner.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("shared-state sync failed", survivor.Stderr, StringComparison.Ordinal);
        AssertNoDivergence([survivor, joiner]);
        Assert.Contains(StepReports(survivor), s => s.GetProperty("revision").GetUInt64() == first.GetProperty("revision").GetUInt64());
    }

    private static Dictionary<string, string> Checkpoints(string dir) => new()
    {
        ["PCCL_FAULT_TOLERANCE_CHECKPOINT_DIR"] = dir,
        ["PCCL_FAULT_TOLERANCE_CHECKPOINT_INTERVAL_STEPS"] = "5",
    };

    /// <summary>The stderr lines of one log event: the console template ends each line with the event's id.</summary>
    private static IEnumerable<string> LogEvents(PcclProcess process, int eventId) =>
        process.Stderr.Split('\n').Where(l => l.Contains($"{{ Id: {eventId},", StringComparison.Ordinal));

    private static ulong Revision(PcclProcess worker) => StepReports(worker).LastOrDefault() is { ValueKind: JsonValueKind.Object } last ? last.GetProperty("revision").GetUInt64() : 0;

    /// <summary>The step lines only (a worker that injects a fault also prints the fault's line).</summary>
    private static List<JsonElement> StepReports(PcclProcess worker) => [.. worker.Steps().Where(s => s.TryGetProperty("revision", out _))];

    private static void AssertNoDivergence(IEnumerable<PcclProcess> workers)
    {
        var byRevision = workers.SelectMany(StepReports).GroupBy(s => s.GetProperty("revision").GetUInt64());
        Assert.All(byRevision, g => Assert.Single(g.Select(s => s.GetProperty("state_hash").GetString()).Distinct()));
    }
}
