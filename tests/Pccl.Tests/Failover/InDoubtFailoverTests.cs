using Pccl.Telemetry;
using Pccl.Tests.Support;

namespace Pccl.Tests.Failover;

/// <summary>
/// The leader of three peers crashes while an all-reduce completes (after telling some, or none, of them), and its
/// standby on the same SQLite store takes over: every peer ends that step the same way and every later sum is exact.
/// </summary>
public sealed class InDoubtFailoverTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private const int Elements = 4099;
    private const int Steps = 8;
    private const int CrashStep = 3;
    private const int World = 3;
    private readonly TempDirectory _files = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static float[] Input(int rank, int step) => [.. Enumerable.Range(0, Elements).Select(i => (float)((rank * 7 + step * 3 + i) % 29))];

    private static float[] Sum(int step, int ranks) =>
        [.. Enumerable.Range(0, Elements).Select(i => Enumerable.Range(0, ranks).Sum(r => Input(r, step)[i]))];

    [Theory]
    [InlineData(1)] // one peer told it completed, two not
    [InlineData(2)] // two told, one not
    [InlineData(0)] // every done arrived, nobody told
    public async Task EveryPeerEndsTheStepTheLeaderDiedInTheSameWayAndTheNextSumsAreExact(int told)
    {
        var crash = new CrashAtCompletion(sequence: CrashStep + 1, delivered: told);
        await using var cluster = await StartAsync(crash, reconnect: TimeSpan.FromSeconds(20));

        var results = await cluster.RunAsync(crash, leaveAtCrash: null);

        for (var step = 0; step < Steps; step++)
        {
            var expected = Sum(step, World);
            for (var rank = 0; rank < World; rank++)
            {
                Assert.True(results[rank][step].Buffer.AsSpan().SequenceEqual(expected), $"peer {rank} step {step} is not the exact sum:\n{cluster.Log}");
            }
        }

        // nobody re-ran the step: the peers the leader did not tell kept their result on the next leader's word
        Assert.All(results, r => Assert.Equal(0, r[CrashStep].Retries));
        // every step is one operation, named alike on every peer by the epoch of the master that numbered it; the crash
        // step keeps the lost leader's, and only the peers it did not tell report it settled in doubt
        for (var step = 0; step < Steps; step++)
        {
            Assert.Single(results.Select(r => (r[step].MasterEpoch, r[step].Sequence)).Distinct());
        }

        Assert.All(results, r => Assert.True(r[CrashStep + 1].MasterEpoch > r[CrashStep].MasterEpoch, "the step after the crash is the next leader's"));
        Assert.Equal(World - told, results.Count(r => r[CrashStep].SettledInDoubt));
        Assert.All(results, r => Assert.DoesNotContain(r, s => s.SettledInDoubt && s != r[CrashStep]));
        Assert.Contains(cluster.Entries, e => e.Id.Id == LogEvents.Ids.InDoubtResolved && e.Message.Contains("is completed", StringComparison.Ordinal));
        Assert.DoesNotContain(cluster.Entries, e => e.Id.Id == LogEvents.Ids.InDoubtResolved && e.Message.Contains("is failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AParticipantThatDoesNotComeBackFailsTheStepForEveryoneElseAlike()
    {
        var crash = new CrashAtCompletion(sequence: CrashStep + 1, delivered: 0);
        // the survivors wait this long for their group to be whole again before they go on with two
        await using var cluster = await StartAsync(crash, reconnect: TimeSpan.FromSeconds(4));

        var results = await cluster.RunAsync(crash, leaveAtCrash: World - 1);

        for (var step = 0; step < Steps; step++)
        {
            var expected = Sum(step, step < CrashStep ? World : World - 1);
            for (var rank = 0; rank < World - 1; rank++)
            {
                Assert.True(results[rank][step].Buffer.AsSpan().SequenceEqual(expected), $"peer {rank} step {step} is not the exact sum:\n{cluster.Log}");
            }
        }

        Assert.All(results.Take(World - 1), r => Assert.True(r[CrashStep].Retries >= 1));
        Assert.Contains(cluster.Entries, e => e.Id.Id == LogEvents.Ids.InDoubtResolved && e.Message.Contains("did not register again", StringComparison.Ordinal));
    }

    public void Dispose() => _files.Dispose();

    private async Task<Cluster> StartAsync(CrashAtCompletion crash, TimeSpan reconnect)
    {
        var store = "sqlite:" + Path.Combine(_files.Path, "master.db");
        var master = MasterOptions.Default with { BindAddress = "127.0.0.1", Port = 0, Store = store, LeaseTtl = TimeSpan.FromMilliseconds(1000) };
        var leader = await MasterNode.StartAsync(master with { Faults = crash }, ct: Ct);
        var standby = await MasterNode.StartAsync(master, ct: Ct);
        Assert.True(leader.IsLeader && !standby.IsLeader);
        var log = new CapturedLog();
        var options = CommunicatorOptions.Default with
        {
            MasterEndpoints = [new MasterEndpoint("127.0.0.1", leader.Port), new MasterEndpoint("127.0.0.1", standby.Port)],
            MasterReconnectTimeout = reconnect,
            P2PBindAddress = "127.0.0.1",
            P2PPorts = P2PRanges.Next(),
        };
        var peers = new List<Communicator> { await Communicator.ConnectAsync(options, log, Ct) };
        while (peers.Count < World)
        {
            peers.Add(await Admission.AdmitAsync(peers, Communicator.ConnectAsync(options, log, Ct), Ct));
        }

        return new Cluster(leader, standby, peers, log);
    }

    private sealed record StepResult(float[] Buffer, int Retries, ulong MasterEpoch, ulong Sequence, bool SettledInDoubt);

    private sealed class Cluster(MasterNode leader, MasterNode standby, List<Communicator> peers, CapturedLog log) : IAsyncDisposable
    {
        public string Log => string.Join("\n", log.Lines);

        public IReadOnlyList<(Microsoft.Extensions.Logging.LogLevel Level, Microsoft.Extensions.Logging.EventId Id, string Message)> Entries => log.Entries;

        /// <summary>
        /// Every peer runs <see cref="Steps"/> all-reduces with the retry helper; the leader crashes at its fault, and
        /// is then stopped so the standby leads. Peer <paramref name="leaveAtCrash"/> (if any) leaves at the crash.
        /// </summary>
        public async Task<StepResult[][]> RunAsync(CrashAtCompletion crash, int? leaveAtCrash)
        {
            var results = peers.Select(_ => new StepResult[Steps]).ToArray();
            var running = peers.Select((peer, rank) => Task.Run(async () =>
            {
                for (var step = 0; step < Steps; step++)
                {
                    var buffer = Input(rank, step);
                    var info = await peer.AllReduceWithRetryAsync(buffer.AsMemory(), ct: Ct);
                    results[rank][step] = new StepResult(buffer, info.Retries, info.MasterEpoch, info.Sequence, info.SettledInDoubt);
                }
            }, Ct)).ToList();

            await crash.Crashed.WaitAsync(Patience, Ct);
            if (leaveAtCrash is { } leaving)
            {
                await peers[leaving].DisposeAsync();
                await Assert.ThrowsAnyAsync<Exception>(() => running[leaving]);
                running.RemoveAt(leaving);
            }

            await leader.DisposeAsync();
            var all = Task.WhenAll(running);
            await Task.WhenAny(all, Task.Delay(Patience, Ct));
            Assert.True(all.IsCompleted, $"the peers did not finish:\n{Log}");
            await all;
            Assert.True(standby.IsLeader);
            return results;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var peer in peers)
            {
                await peer.DisposeAsync();
            }

            await leader.DisposeAsync();
            await standby.DisposeAsync();
            log.Dispose();
        }
    }
}
