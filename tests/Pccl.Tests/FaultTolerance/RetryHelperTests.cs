using Pccl.Tests.Support;
using Pccl.Operations.Collectives;

namespace Pccl.Tests.FaultTolerance;

/// <summary>
/// The retry helpers against a real master and communicators in one process. Failures are injected with the ring-start
/// fault seam (FaultHooks): a peer closes its ring connections (or leaves) once the operation's ring is up.
/// </summary>
public class RetryHelperTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private const int Elements = 100_003;

    private static CommunicatorOptions PeerOptions(MasterNode master) => CommunicatorOptions.Default with
    {
        MasterHost = "127.0.0.1",
        MasterPort = master.Port,
        P2PBindAddress = "127.0.0.1",
        P2PPorts = new PortRange(27000, 27200),
    };

    private static Task<List<Communicator>> ConnectWorldAsync(CommunicatorOptions options, int size, CancellationToken ct) =>
        Admission.ConnectWorldAsync(options, size, ct);

    private static float[] Filled(int peer) => [.. Enumerable.Range(0, Elements).Select(i => (float)((peer + i) % 17))];

    private static async Task DisposeAllAsync(IEnumerable<Communicator> peers)
    {
        foreach (var p in peers)
        {
            await p.DisposeAsync();
        }
    }

    [Fact]
    public async Task AFailedAttemptIsRetriedFromTheRestoredInputAndCounted()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = await MasterNode.StartAsync(MasterOptions.Default with { Port = 0, BindAddress = "127.0.0.1" }, ct: ct);
        var peers = await ConnectWorldAsync(PeerOptions(master), 3, ct);
        FaultHooks.BreakRingOnce(peers[1]);
        var buffers = peers.Select((_, i) => Filled(i)).ToArray();

        var infos = await Task.WhenAll(peers.Select((p, i) => p.AllReduceWithRetryAsync(buffers[i].AsMemory(), ct: ct))).WaitAsync(Patience, ct);

        Assert.All(infos, info => Assert.Equal(1, info.Retries));
        Assert.All(infos, info => Assert.Equal(PcclErrorCode.PeerLost, info.LastFailure?.Code));
        Assert.All(infos, info => Assert.Equal(3, info.WorldSize));
        var expected = Enumerable.Range(0, Elements).Select(i => (float)(i % 17 + (1 + i) % 17 + (2 + i) % 17)).ToArray();
        Assert.All(buffers, b => Assert.Equal(expected, b));
        await DisposeAllAsync(peers);
    }

    [Fact]
    public async Task WithoutRecoveryAttemptsTheFirstTransientFailureIsThrown()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = await MasterNode.StartAsync(MasterOptions.Default with { Port = 0, BindAddress = "127.0.0.1" }, ct: ct);
        var peers = await ConnectWorldAsync(PeerOptions(master) with { MaxRecoveryAttempts = 0 }, 2, ct);
        FaultHooks.BreakRingOnce(peers[0]);
        var buffers = peers.Select((_, i) => Filled(i)).ToArray();
        var originals = buffers.Select(b => b.ToArray()).ToArray();

        var calls = peers.Select((p, i) => p.AllReduceWithRetryAsync(buffers[i].AsMemory(), ct: ct)).ToList();
        foreach (var call in calls)
        {
            var e = await Assert.ThrowsAsync<PcclException>(() => call.WaitAsync(Patience, ct));
            Assert.True(e.IsTransient);
            Assert.Contains("max_recovery_attempts", e.Message, StringComparison.Ordinal);
        }

        Assert.Equal(originals, buffers); // restored by the buffer backup
        await DisposeAllAsync(peers);
    }

    [Fact]
    public async Task WhenTheGroupShrinksBelowTwoTheHelperStopsWithTooFewPeers()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = await MasterNode.StartAsync(MasterOptions.Default with { Port = 0, BindAddress = "127.0.0.1" }, ct: ct);
        var peers = await ConnectWorldAsync(PeerOptions(master), 2, ct);
        var leaver = peers[1];
        FaultHooks.LeaveAtRingStart(leaver); // leaves before any data moves
        var buffer = Filled(0);

        var survivor = peers[0].AllReduceWithRetryAsync(buffer.AsMemory(), ct: ct);
        var left = leaver.AllReduceWithRetryAsync(Filled(1).AsMemory(), ct: ct);

        var e = await Assert.ThrowsAsync<PcclException>(() => survivor.WaitAsync(Patience, ct));
        Assert.Equal(PcclErrorCode.TooFewPeers, e.Code);
        Assert.False(e.IsTransient);
        await Assert.ThrowsAnyAsync<Exception>(() => left.WaitAsync(Patience, ct));
        Assert.Equal(Filled(0), buffer);
        await peers[0].DisposeAsync();
    }

    [Fact]
    public async Task ABatchRunsEveryOperationOnItsOwnTagAndRetriesTheFailedOnes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = await MasterNode.StartAsync(MasterOptions.Default with { Port = 0, BindAddress = "127.0.0.1" }, ct: ct);
        var peers = await ConnectWorldAsync(PeerOptions(master), 3, ct);
        FaultHooks.BreakRingOnce(peers[2]);
        const int operations = 5;
        var buffers = peers.Select((_, p) => Enumerable.Range(0, operations).Select(op => Filled(p + op)).ToArray()).ToArray();

        var results = await Task.WhenAll(peers.Select((peer, p) => peer.AllReduceManyWithRetryAsync(
            buffers[p].Select((b, op) => new AllReduceOperation<float>(b.AsMemory(), new AllReduceOptions { Tag = (uint)(op + 10) })).ToList(),
            maxInFlight: 2, ct))).WaitAsync(Patience, ct);

        Assert.All(results, r => Assert.Equal(operations, r.Count));
        Assert.All(results, r => Assert.Contains(r, info => info.Retries > 0));
        for (var op = 0; op < operations; op++)
        {
            var expected = Enumerable.Range(0, Elements).Select(i => (float)((op + i) % 17 + (op + 1 + i) % 17 + (op + 2 + i) % 17)).ToArray();
            Assert.All(buffers, b => Assert.Equal(expected, b[op]));
        }

        await DisposeAllAsync(peers);
    }

    [Fact]
    public async Task ABatchWithTwoOperationsOnOneTagIsRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var master = await MasterNode.StartAsync(MasterOptions.Default with { Port = 0, BindAddress = "127.0.0.1" }, ct: ct);
        var peers = await ConnectWorldAsync(PeerOptions(master), 2, ct);
        var ops = new[] { new AllReduceOperation<float>(new float[4], AllReduceOptions.Default), new AllReduceOperation<float>(new float[4], AllReduceOptions.Default) };

        var e = await Assert.ThrowsAsync<PcclException>(() => peers[0].AllReduceManyWithRetryAsync(ops, 2, ct));
        Assert.Equal(PcclErrorCode.InvalidArgument, e.Code);
        Assert.Contains("tag 0", e.Message, StringComparison.Ordinal);
        await DisposeAllAsync(peers);
    }
}
