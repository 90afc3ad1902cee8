using System.Runtime.InteropServices;
using Pccl.Telemetry;
using Pccl.Tests.Support;

namespace Pccl.Tests.Collectives;

/// <summary>
/// Start grants between real communicators over loopback TCP: the next all-reduce on a tag runs on the master's grant,
/// gives the same bits as without one, and every way out of a grant (a lost peer, another request, a joiner) leaves the
/// peers able to go on.
/// </summary>
public class StartGrantAllReduceTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    // A loaded machine can stall this process past the default heartbeat timeout (500 ms): the peers would lose master A
    // to silence and follow it once more before it shuts down. Loss by silence is not what this test is about.
    private static readonly TimeSpan FailoverHeartbeatTimeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task GrantedOperationsGiveBitwiseTheSameResultsAsUngrantedOnes()
    {
        var ct = TestContext.Current.CancellationToken;
        var granted = await RunStepsAsync(startGrants: true, ct);
        var asked = await RunStepsAsync(startGrants: false, ct);

        Assert.Equal(3 * 3, granted.Taken); // every peer's steps after the first
        Assert.Equal(0, asked.Taken);
        for (var p = 0; p < 3; p++)
        {
            Assert.True(MemoryMarshal.AsBytes(granted.Results[p].AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(asked.Results[p].AsSpan())), $"peer {p} differs");
            Assert.True(MemoryMarshal.AsBytes(granted.Results[p].AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(granted.Results[0].AsSpan())));
        }
    }

    [Fact]
    public async Task APeerLostDuringAGrantedOperationAbortsItRestoresTheBuffersAndTheRetrySucceeds()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var run = await GrantWorld.StartAsync(3, ct);
        await run.OnAll((p, _) => p.AllReduceAsync(new float[30_000].AsMemory(), ct: ct)); // the grant is out now
        var inputs = Enumerable.Range(0, 3).Select(p => Enumerable.Range(0, 30_000).Select(i => (float)(p + 1 + i % 7)).ToArray()).ToArray();
        var buffers = inputs.Select(b => b.ToArray()).ToArray();
        var restored = new bool?[3];
        // peer 2 leaves halfway through its data: every peer has taken the grant by then
        var left = 0;
        run.Peers[2].FaultInjector = new FaultHooks
        {
            OnBytesMoved = site => site.BytesMoved * 2 >= site.BytesToMove && Interlocked.Exchange(ref left, 1) == 0 ? run.Peers[2].DisposeAsync() : ValueTask.CompletedTask,
        };
        for (var p = 0; p < 2; p++)
        {
            var peer = p;
            run.Peers[p].FaultInjector = new FaultHooks { OnAllReduceFailed = (_, _) => restored[peer] = buffers[peer].AsSpan().SequenceEqual(inputs[peer]) };
        }

        var leaving = run.Peers[2].AllReduceAsync(buffers[2].AsMemory(), ct: ct);
        var infos = await Task.WhenAll(Enumerable.Range(0, 2).Select(p => run.Peers[p].AllReduceWithRetryAsync(buffers[p].AsMemory(), ct: ct))).WaitAsync(Patience, ct);
        await Assert.ThrowsAnyAsync<Exception>(() => leaving.WaitAsync(Patience, ct));

        // the failed attempt ran on the grant; the retry, in the smaller world, asked the master
        Assert.All(run.Logs.Take(3), log => Assert.Equal(1, log.Entries.Count(e => e.Id.Id == LogEvents.Ids.StartGrantTaken)));
        Assert.All(infos, info => Assert.Equal((1, 2), (info.Retries, info.WorldSize)));
        Assert.Equal([true, true], restored[..2]);
        Assert.All(buffers.Take(2), b => Assert.Equal(inputs[0].Zip(inputs[1], (x, y) => x + y), b));
    }

    [Fact]
    public async Task ACallWithOtherParametersCancelsTheGrantAndBothSidesCarryOn()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var run = await GrantWorld.StartAsync(2, ct);
        // peer 1 takes the grant and runs; peer 0 then asks for a larger all-reduce instead
        var input = Filled(1000, 1);
        var onGrant = await RunOnGrantAloneAsync(run, input, ct);
        var larger = new[] { Filled(2000, 1), Filled(2000, 2) };
        var asked = run.Peers[0].AllReduceAsync(larger[0], ct: ct);

        var cancelled = await Assert.ThrowsAsync<PcclException>(() => onGrant.WaitAsync(Patience, ct));
        AssertCancelled(cancelled);
        Assert.All(input.ToArray(), v => Assert.Equal(1f, v)); // restored
        await Task.WhenAll(asked, run.Peers[1].AllReduceAsync(larger[1], ct: ct)).WaitAsync(Patience, ct);
        Assert.All(larger, b => Assert.All(b.ToArray(), v => Assert.Equal(3f, v)));

        // both change their parameters together (on a tag whose grants that cancellation did not pause): the grant goes
        // unused, is cancelled, and the calls run as asked
        var fresh = new AllReduceOptions { Tag = 5 };
        await run.OnAll((p, _) => p.AllReduceAsync(Filled(1000, 1), fresh, ct)).WaitAsync(Patience, ct);
        var both = new[] { Filled(500, 1), Filled(500, 4) };
        await run.OnAll((p, i) => p.AllReduceAsync(both[i], fresh, ct)).WaitAsync(Patience, ct);
        Assert.All(both, b => Assert.All(b.ToArray(), v => Assert.Equal(5f, v)));
        // peer 0 held both cancelled grants without taking them; peer 1 had taken the first
        Assert.Equal([2, 1], run.Logs.Select(log => log.Entries.Count(e => e.Id.Id == LogEvents.Ids.StartGrantDropped)));
    }

    [Fact]
    public async Task ASyncWhileTheOtherRunsTheGrantCancelsItAndBothSidesCarryOn()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var run = await GrantWorld.StartAsync(2, ct);
        // peer 1 takes the grant and runs; peer 0 asks for a shared-state sync instead
        var input = Filled(1000, 7);
        var onGrant = await RunOnGrantAloneAsync(run, input, ct);
        var states = run.Peers.Select(_ => new SharedState([SharedStateEntry.Create<float>("w", Enumerable.Repeat(3f, 64).ToArray())])).ToArray();
        var syncing = run.Peers[0].SyncSharedStateAsync(states[0], ct: ct);

        var cancelled = await Assert.ThrowsAsync<PcclException>(() => onGrant.WaitAsync(Patience, ct));
        AssertCancelled(cancelled);
        Assert.All(input.ToArray(), v => Assert.Equal(7f, v)); // restored
        Assert.Equal(1, run.Logs[0].Entries.Count(e => e.Id.Id == LogEvents.Ids.StartGrantDropped));

        await Task.WhenAll(syncing, run.Peers[1].SyncSharedStateAsync(states[1], ct: ct)).WaitAsync(Patience, ct);
        var buffers = new[] { Filled(1000, 1), Filled(1000, 2) };
        await run.OnAll((p, i) => p.AllReduceAsync(buffers[i], ct: ct)).WaitAsync(Patience, ct);
        Assert.All(buffers, b => Assert.All(b.ToArray(), v => Assert.Equal(3f, v)));
    }

    [Fact]
    public async Task AJoinerAdmittedBetweenAllReducesJoinsTheNextOne()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var run = await GrantWorld.StartAsync(2, ct);
        await run.OnAll((p, i) => p.AllReduceAsync(Filled(4096, i + 1), ct: ct));
        await run.OnAll((p, i) => p.AllReduceAsync(Filled(4096, i + 1), ct: ct)); // on the grant

        await run.AdmitAsync(ct);
        var buffers = Enumerable.Range(1, 3).Select(v => Filled(4096, v)).ToArray();
        var infos = await run.OnAll((p, i) => p.AllReduceAsync(buffers[i], ct: ct)).WaitAsync(Patience, ct);

        Assert.All(infos, info => Assert.Equal(3, info.WorldSize));
        Assert.All(buffers, b => Assert.All(b.ToArray(), v => Assert.Equal(6f, v)));
        await run.OnAll((p, i) => p.AllReduceAsync(Filled(4096, 1), ct: ct)).WaitAsync(Patience, ct);
        Assert.Equal(1, run.Logs[2].Entries.Count(e => e.Id.Id == LogEvents.Ids.StartGrantTaken)); // grants again in the new world
    }

    [Fact]
    public async Task AFailoverDropsTheGrantsAndTheNextLeaderGrantsAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var portB = ReservedPorts.Next();
        var (logA, logB) = (new CapturedLog(), new CapturedLog());
        var masterA = await MasterNode.StartAsync(MasterOptions.Default with { Port = 0, BindAddress = "127.0.0.1", HeartbeatTimeout = FailoverHeartbeatTimeout }, logA, ct);
        MasterNode? masterB = null;
        var options = CommunicatorOptions.Default with
        {
            MasterEndpoints = [new MasterEndpoint("127.0.0.1", masterA.Port), new MasterEndpoint("127.0.0.1", portB)],
            MasterReconnectTimeout = TimeSpan.FromSeconds(20), HeartbeatTimeout = FailoverHeartbeatTimeout, P2PBindAddress = "127.0.0.1", P2PPorts = P2PRanges.Next(),
            RingChunkSize = 16 * 1024,
        };
        var logs = new[] { new CapturedLog(), new CapturedLog() };
        var one = await Communicator.ConnectAsync(options, logs[0], ct);
        List<Communicator> peers = [one, await Admission.AdmitAsync([one], Communicator.ConnectAsync(options, logs[1], ct), ct)];
        int Taken() => logs.Sum(l => l.Entries.Count(e => e.Id.Id == LogEvents.Ids.StartGrantTaken));
        async Task StepAsync(int step)
        {
            var buffers = Enumerable.Range(0, 2).Select(p => Filled(10_007, p + step)).ToArray();
            await Task.WhenAll(peers.Select((peer, p) => peer.AllReduceWithRetryAsync(buffers[p], ct: ct))).WaitAsync(Patience, ct);
            Assert.All(buffers, b => Assert.All(b.ToArray(), v => Assert.Equal(1f + 2 * step, v)));
        }

        try
        {
            for (var step = 0; step < 3; step++)
            {
                await StepAsync(step);
            }

            Assert.Equal(2 * 2, Taken()); // the grant of step 3 is out when the leader goes
            await masterA.DisposeAsync();
            masterB = await MasterNode.StartAsync(MasterOptions.Default with { Port = portB, BindAddress = "127.0.0.1", HeartbeatTimeout = FailoverHeartbeatTimeout }, logB, ct);

            await StepAsync(3); // under the next leader, which granted nothing: asked for
            Assert.Equal(2 * 2, Taken());
            for (var step = 4; step < 7; step++)
            {
                await StepAsync(step);
            }

            // the next leader grants again (a regroup vote that lands after step 3 may cancel one of its grants)
            Assert.InRange(Taken(), (2 * 2) + 2, (2 * 2) + (2 * 3));
        }
        catch (Exception e) when (FailureLogs.Show(e, ("master A", logA), ("master B", logB), ("peer 0", logs[0]), ("peer 1", logs[1])))
        {
        }
        finally
        {
            foreach (var peer in peers)
            {
                await peer.DisposeAsync();
            }

            await masterA.DisposeAsync();
            if (masterB is not null)
            {
                await masterB.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// A call running on a cancelled grant fails retryably: with the master's abort, or, when the neighbour that dropped
    /// the grant closed its links first, with the lost link (both race on the same cancellation).
    /// </summary>
    private static void AssertCancelled(PcclException cancelled)
    {
        Assert.True(cancelled.IsTransient, cancelled.Message);
        Assert.True(cancelled.Code == PcclErrorCode.Aborted ? cancelled.Message.Contains("start grant", StringComparison.Ordinal) : cancelled.Code == PcclErrorCode.PeerLost,
            $"{cancelled.Code}: {cancelled.Message}");
    }

    /// <summary>Runs one all-reduce of 1000 floats on both peers, then starts peer 1's next one, returning once it runs on the grant.</summary>
    private static async Task<Task<AllReduceInfo>> RunOnGrantAloneAsync(GrantWorld run, Memory<float> input, CancellationToken ct)
    {
        await run.OnAll((p, _) => p.AllReduceAsync(Filled(1000, 1), ct: ct));
        var onGrant = run.Peers[1].AllReduceAsync(input, ct: ct);
        await WaitForAsync(() => run.Logs[1].Entries.Count(e => e.Id.Id == LogEvents.Ids.StartGrantTaken) == 1, ct);
        return onGrant;
    }

    private static Memory<float> Filled(int count, float value) => Enumerable.Repeat(value, count).ToArray().AsMemory();

    private static async Task WaitForAsync(Func<bool> condition, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition never held");
            await Task.Delay(5, ct);
        }
    }

    /// <summary>Three peers, four all-reduces of the same random buffers; returns the results and how many ran on a grant.</summary>
    private static async Task<(float[][] Results, int Taken)> RunStepsAsync(bool startGrants, CancellationToken ct)
    {
        await using var run = await GrantWorld.StartAsync(3, ct, startGrants);
        var random = new Random(11);
        var buffers = run.Peers.Select(_ => Enumerable.Range(0, 50_001).Select(_ => (float)(random.NextDouble() * Math.Pow(10, random.Next(-5, 6)))).ToArray()).ToArray();
        for (var step = 0; step < 4; step++)
        {
            await run.OnAll((p, i) => p.AllReduceAsync(buffers[i].AsMemory(), new AllReduceOptions { Op = ReduceOperation.Avg }, ct)).WaitAsync(Patience, ct);
        }

        return (buffers, run.Logs.Sum(l => l.Entries.Count(e => e.Id.Id == LogEvents.Ids.StartGrantTaken)));
    }

    /// <summary>An in-process master and communicators on loopback, each logging into its own <see cref="CapturedLog"/>.</summary>
    private sealed class GrantWorld : IAsyncDisposable
    {
        private readonly MasterNode _master;
        private readonly CommunicatorOptions _options;

        private GrantWorld(MasterNode master, CommunicatorOptions options)
        {
            _master = master;
            _options = options;
        }

        public List<Communicator> Peers { get; } = [];

        public List<CapturedLog> Logs { get; } = [];

        public static async Task<GrantWorld> StartAsync(int peers, CancellationToken ct, bool startGrants = true)
        {
            var master = await MasterNode.StartAsync(MasterOptions.Default with { Port = 0, BindAddress = "127.0.0.1" }, ct: ct);
            var world = new GrantWorld(master, CommunicatorOptions.Default with
            {
                MasterHost = "127.0.0.1", MasterPort = master.Port, P2PBindAddress = "127.0.0.1", P2PPorts = P2PRanges.Next(),
                RingChunkSize = 16 * 1024, StartGrants = startGrants,
            });
            var log = new CapturedLog();
            world.Logs.Add(log);
            world.Peers.Add(await Communicator.ConnectAsync(world._options, log, ct));
            while (world.Peers.Count < peers)
            {
                await world.AdmitAsync(ct);
            }

            return world;
        }

        /// <summary>Connects one more peer and has every accepted one vote it in.</summary>
        public async Task AdmitAsync(CancellationToken ct)
        {
            var log = new CapturedLog();
            Logs.Add(log);
            Peers.Add(await Admission.AdmitAsync(Peers, Communicator.ConnectAsync(_options, log, ct), ct));
        }

        public Task<T[]> OnAll<T>(Func<Communicator, int, Task<T>> action) => Task.WhenAll(Peers.Select((p, i) => action(p, i)));

        public async ValueTask DisposeAsync()
        {
            foreach (var p in Peers)
            {
                await p.DisposeAsync();
            }

            await _master.DisposeAsync();
        }
    }
}
