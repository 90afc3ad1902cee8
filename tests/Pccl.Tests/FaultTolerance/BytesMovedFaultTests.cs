using Pccl.Operations.Faults;
using Pccl.Tests.Support;

namespace Pccl.Tests.FaultTolerance;

/// <summary>
/// The fault seam's progress point (<see cref="IFaultInjector.BytesMoved"/>): it counts every buffer byte a peer
/// receives and applies, so a fault can fire at a measured fraction of an operation while its data moves.
/// </summary>
public class BytesMovedFaultTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private const int Chunk = 16 * 1024;

    [Theory]
    [InlineData(3, AllReduceAlgorithm.Ring)]
    [InlineData(4, AllReduceAlgorithm.HalvingDoubling)]
    public async Task ASuccessfulOperationCountsExactlyTheBytesEachPeerReceives(int world, AllReduceAlgorithm algorithm)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(world, o => o with { RingChunkSize = Chunk }, ct);
        var last = new RingFaultSite?[world];
        var pieces = new int[world];
        for (var p = 0; p < world; p++)
        {
            var peer = p;
            cluster.Peers[p].FaultInjector = new FaultHooks
            {
                OnBytesMoved = site =>
                {
                    last[peer] = site;
                    pieces[peer]++;
                    return ValueTask.CompletedTask;
                },
            };
        }

        var elements = world * 100_000; // equal slices: every peer receives 2(N-1) of them with either schedule
        var buffers = cluster.Peers.Select(_ => new float[elements]).ToArray();
        await cluster.OnAll((p, i) => p.AllReduceAsync(buffers[i].AsMemory(), new AllReduceOptions { Algorithm = algorithm }, ct)).WaitAsync(Patience, ct);

        var expected = 2L * (world - 1) * (elements / world) * sizeof(float);
        Assert.All(last, site => Assert.Equal(expected, site!.BytesToMove));
        Assert.All(last, site => Assert.Equal(site!.BytesToMove, site.BytesMoved));
        Assert.All(pieces, n => Assert.True(n > 2 * (world - 1), $"{n} pieces: the point must run per piece, not per slice"));
    }

    [Fact]
    public async Task ARingCutAfterAThirdOfTheBytesFailsTheAttemptAndTheRetryStartsFromTheRestoredInput()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(3, o => o with { RingChunkSize = Chunk }, ct);
        const int elements = 3 * 200_000;
        var inputs = Inputs(elements);
        var buffers = inputs.Select(b => b.ToArray()).ToArray();
        long firedAt = 0, toMove = 0;
        var fired = 0;
        cluster.Peers[1].FaultInjector = new FaultHooks
        {
            OnBytesMoved = site =>
            {
                if (site.BytesMoved * 3 >= site.BytesToMove && Interlocked.Exchange(ref fired, 1) == 0)
                {
                    (firedAt, toMove) = (site.BytesMoved, site.BytesToMove);
                    return site.BreakRingLinksAsync();
                }

                return ValueTask.CompletedTask;
            },
        };
        var restored = new bool?[3];
        var observers = cluster.Peers.Select((p, i) => new FailureObserver(() => restored[i] = buffers[i].AsSpan().SequenceEqual(inputs[i]))).ToArray();
        cluster.Peers[0].FaultInjector = observers[0];
        cluster.Peers[2].FaultInjector = observers[2];

        var infos = await cluster.OnAll((p, i) => p.AllReduceWithRetryAsync(buffers[i].AsMemory(), ct: ct)).WaitAsync(Patience, ct);

        // fired at the first piece that reached a third: in the middle of the operation, not before data moved
        Assert.InRange(firedAt, toMove / 3, (toMove / 3) + Chunk);
        Assert.All(infos, i => Assert.Equal(1, i.Retries));
        Assert.True(restored[0] == true && restored[2] == true, "a neighbour's buffer did not hold its input again after the failed attempt");
        Assert.All(buffers, b => Assert.Equal(Sums(elements), b));
    }

    [Theory]
    [InlineData(QuantizationMode.None, false)]
    [InlineData(QuantizationMode.None, true)]
    [InlineData(QuantizationMode.MinMaxU8, false)]
    public async Task TheReduceScatterKeepsItsPartialSumsOutOfTheCallersBufferSoAFailureThereHasNothingToRestore(QuantizationMode quantization, bool compression)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(3, o => o with { RingChunkSize = Chunk }, ct);
        const int elements = 3 * 200_000;
        var inputs = Inputs(elements);
        var buffers = inputs.Select(b => b.ToArray()).ToArray();
        var fired = 0;
        var checks = new int[3];
        var touched = new string?[3];
        var restored = new bool?[3];
        for (var p = 0; p < 3; p++)
        {
            var peer = p;
            cluster.Peers[p].FaultInjector = new FaultHooks
            {
                OnBytesMoved = site =>
                {
                    // equal slices: the first quarter of a peer's bytes is the reduce-scatter's first step, partial sums only
                    if (site.BytesMoved * 4 <= site.BytesToMove)
                    {
                        checks[peer]++;
                        if (!buffers[peer].AsSpan().SequenceEqual(inputs[peer]))
                        {
                            touched[peer] ??= $"peer {peer}'s buffer changed after {site.BytesMoved} of {site.BytesToMove} bytes";
                        }
                    }

                    return peer == 1 && site.BytesMoved * 8 >= site.BytesToMove && Interlocked.Exchange(ref fired, 1) == 0
                        ? site.BreakRingLinksAsync()
                        : ValueTask.CompletedTask;
                },
                OnAllReduceFailed = (_, _) => restored[peer] = buffers[peer].AsSpan().SequenceEqual(inputs[peer]),
            };
        }

        var options = new AllReduceOptions { Quantization = quantization, Compression = compression };
        var infos = await cluster.OnAll((p, i) => p.AllReduceWithRetryAsync(buffers[i].AsMemory(), options, ct)).WaitAsync(Patience, ct);

        Assert.All(infos, i => Assert.Equal(1, i.Retries));
        Assert.All(touched, t => Assert.Null(t));
        Assert.All(checks, n => Assert.True(n > 1, $"{n} checks during the first step: the check must run per piece"));
        Assert.All(restored, r => Assert.True(r, "a buffer did not hold its input after the failed attempt"));
        Assert.All(buffers, b => Assert.Equal(buffers[0], b));
        if (quantization == QuantizationMode.None)
        {
            Assert.Equal(Sums(elements), buffers[0]);
        }
    }

    /// <summary>Runs a check when an attempt has failed and the library has restored the buffer.</summary>
    private sealed class FailureObserver(Action check) : IFaultInjector
    {
        public void AllReduceFailed(uint tag, PcclException failure) => check();
    }

    [Theory]
    [InlineData(QuantizationMode.None, false)]
    [InlineData(QuantizationMode.None, true)]
    [InlineData(QuantizationMode.MinMaxU8, false)]
    public async Task TheOwnedSliceReachesTheCallersBufferOnlyOnceTheOperationCompletedSoAFailureRestoresOnlyWhatTheAllGatherWrote(QuantizationMode quantization, bool compression)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(3, o => o with { RingChunkSize = Chunk }, ct);
        const int elements = 3 * 40_000; // ten pieces a slice: each one's buffer is compared whole
        const long sliceBytes = elements / 3 * sizeof(float);
        // every input at least 1, so every final value differs from every peer's input: a changed element is a written one
        var inputs = Inputs(elements, least: 1);
        var buffers = inputs.Select(b => b.ToArray()).ToArray();
        var fired = 0;
        var overwritten = new string?[3];
        var gathered = new long[3];
        var gatheredAtFailure = new long[3];
        var restored = new long?[3];
        var inputBack = new bool?[3];
        for (var p = 0; p < 3; p++)
        {
            var peer = p;
            cluster.Peers[p].FaultInjector = new FaultHooks
            {
                OnBytesMoved = site =>
                {
                    // equal slices: a peer's first two slices are the reduce-scatter's, the last two the all-gather's
                    gathered[peer] = Math.Max(0, site.BytesMoved - (2 * sliceBytes));
                    var written = 0L;
                    for (var i = 0; i < elements; i++)
                    {
                        written += buffers[peer][i] != inputs[peer][i] ? sizeof(float) : 0;
                    }

                    if (written > gathered[peer])
                    {
                        overwritten[peer] ??= $"peer {peer}'s buffer had {written} bytes of final values after {gathered[peer]} bytes of the all-gather";
                    }

                    return peer == 1 && site.BytesMoved * 4 >= site.BytesToMove * 3 && Interlocked.Exchange(ref fired, 1) == 0
                        ? site.BreakRingLinksAsync()
                        : ValueTask.CompletedTask;
                },
                OnInputRestored = bytes =>
                {
                    restored[peer] = bytes;
                    gatheredAtFailure[peer] = gathered[peer];
                },
                OnAllReduceFailed = (_, _) => inputBack[peer] = buffers[peer].AsSpan().SequenceEqual(inputs[peer]),
            };
        }

        var options = new AllReduceOptions { Quantization = quantization, Compression = compression };
        var infos = await cluster.OnAll((p, i) => p.AllReduceWithRetryAsync(buffers[i].AsMemory(), options, ct)).WaitAsync(Patience, ct);

        Assert.All(infos, i => Assert.Equal(1, i.Retries));
        Assert.All(overwritten, o => Assert.Null(o));
        Assert.All(inputBack, r => Assert.True(r, "a buffer did not hold its input after the failed attempt"));
        for (var p = 0; p < 3; p++)
        {
            // what the all-gather had applied, and the piece whose frame had arrived: its input is saved before its payload is read
            Assert.NotNull(restored[p]);
            Assert.InRange(restored[p]!.Value, 0, gatheredAtFailure[p] + Chunk);
        }

        Assert.All(buffers, b => Assert.Equal(buffers[0], b));
        if (quantization == QuantizationMode.None)
        {
            Assert.Equal(Sums(elements, least: 1), buffers[0]);
        }
    }

    /// <summary>Three peers' inputs: element i of peer p holds (p + i) % 17 + <paramref name="least"/>.</summary>
    private static float[][] Inputs(int elements, int least = 0) =>
        [.. Enumerable.Range(0, 3).Select(p => Enumerable.Range(0, elements).Select(i => (float)(((p + i) % 17) + least)).ToArray())];

    /// <summary>The exact sum of <see cref="Inputs"/> over the three peers.</summary>
    private static float[] Sums(int elements, int least = 0) =>
        [.. Enumerable.Range(0, elements).Select(i => (float)Enumerable.Range(0, 3).Sum(p => ((p + i) % 17) + least))];
}
