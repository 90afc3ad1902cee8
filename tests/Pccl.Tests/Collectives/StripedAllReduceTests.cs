using System.Runtime.InteropServices;
using Pccl.Tests.Support;

namespace Pccl.Tests.Collectives;

/// <summary>
/// One all-reduce spread over several connections per neighbour (<c>performance.connections_per_peer</c>): every wire,
/// type and op gives bitwise what one connection gives, and one cut stream fails the attempt like a lost link.
/// </summary>
public class StripedAllReduceTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private const int Chunk = 16 * 1024;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public async Task StripedResultsAreBitwiseThoseOfOneConnection(int stripes)
    {
        var ct = TestContext.Current.CancellationToken;
        // the reference runs with the default (auto), which is one connection on loopback
        await using var single = await TestCluster.StartAsync(3, o => o with { RingChunkSize = Chunk }, ct);
        await using var striped = await TestCluster.StartAsync(3, o => o with { RingChunkSize = Chunk, ConnectionsPerPeer = stripes }, ct);
        var singleStripes = WatchStripes(single);
        var stripedStripes = WatchStripes(striped);
        var random = new Random(18);

        // uneven: 100,003 floats in 16 KiB pieces leave each slice a short last piece, and the hop's frame count is no multiple of the stripes
        var floats = Inputs(random, 100_003, r => (float)(r.NextDouble() * Math.Pow(10, r.Next(-6, 7)) * (r.Next(2) * 2 - 1)));
        await AssertSameAsync(single, striped, floats, new AllReduceOptions { Op = ReduceOperation.Sum }, ct);
        await AssertSameAsync(single, striped, Inputs(random, 50_001, r => r.NextDouble() * 1e6 - 5e5), new AllReduceOptions { Op = ReduceOperation.Avg }, ct);
        await AssertSameAsync(single, striped, Inputs(random, 70_001, r => r.Next()), new AllReduceOptions { Op = ReduceOperation.Max }, ct);
        await AssertSameAsync(single, striped, Inputs(random, 30_001, r => (Half)(r.NextDouble() * 8)), new AllReduceOptions { Op = ReduceOperation.Sum }, ct);
        await AssertSameAsync(single, striped, Inputs(random, 40_001, r => (ushort)r.Next(65536)), new AllReduceOptions { Op = ReduceOperation.Min }, ct);
        // fewer frames per hop than stripes
        await AssertSameAsync(single, striped, Inputs(random, 2, r => (float)r.NextDouble()), new AllReduceOptions { Op = ReduceOperation.Prod }, ct);
        // the quantized and compressed wires encode into each stripe's own scratch
        await AssertSameAsync(single, striped, floats, new AllReduceOptions { Quantization = QuantizationMode.MinMaxU8 }, ct);
        await AssertSameAsync(single, striped, Inputs(random, 60_001, r => (float)r.Next(4)), new AllReduceOptions { Compression = true }, ct);

        Assert.All(singleStripes, s => Assert.Equal(1, s));
        Assert.All(stripedStripes, s => Assert.Equal(stripes, s));
    }

    [Fact]
    public async Task AHopOfOneConnectionAfterAStripedHopGivesTheSameBits()
    {
        var ct = TestContext.Current.CancellationToken;
        // peer 0 stripes its hop to peer 1, which forwards pieces in the order they reached it over one connection to peer 2
        await using var single = await TestCluster.StartAsync(3, o => o with { RingChunkSize = Chunk }, ct);
        await using var mixed = await TestCluster.StartAsync(
            ["", "", ""], o => o with { RingChunkSize = Chunk, ConnectionsPerPeer = 1 }, (i, o) => i == 0 ? o with { ConnectionsPerPeer = 4 } : o, ct);
        var random = new Random(23);

        for (var round = 0; round < 4; round++)
        {
            var floats = Inputs(random, 400_003, r => (float)(r.NextDouble() * Math.Pow(10, r.Next(-6, 7)) * (r.Next(2) * 2 - 1)));
            await AssertSameAsync(single, mixed, floats, new AllReduceOptions { Op = ReduceOperation.Sum }, ct);
        }
    }

    [Fact]
    public async Task OneStreamCutMidOperationFailsTheAttemptRestoresTheBuffersAndTheRetrySucceeds()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(3, o => o with { RingChunkSize = Chunk, ConnectionsPerPeer = 2 }, ct);
        const int elements = 3 * 200_000;
        var inputs = Enumerable.Range(0, 3).Select(p => Enumerable.Range(0, elements).Select(i => (float)((p + i) % 17)).ToArray()).ToArray();
        var buffers = inputs.Select(b => b.ToArray()).ToArray();
        var fired = 0;
        var cutStripes = 0;
        var restored = new bool?[3];
        cluster.Peers[1].FaultInjector = new FaultHooks
        {
            OnBytesMoved = site =>
            {
                if (site.BytesMoved * 3 >= site.BytesToMove && Interlocked.Exchange(ref fired, 1) == 0)
                {
                    cutStripes = site.Stripes;
                    site.CutOneStream();
                }

                return ValueTask.CompletedTask;
            },
        };
        cluster.Peers[0].FaultInjector = new FaultHooks { OnAllReduceFailed = (_, _) => restored[0] = buffers[0].AsSpan().SequenceEqual(inputs[0]) };
        cluster.Peers[2].FaultInjector = new FaultHooks { OnAllReduceFailed = (_, _) => restored[2] = buffers[2].AsSpan().SequenceEqual(inputs[2]) };

        var infos = await cluster.OnAll((p, i) => p.AllReduceWithRetryAsync(buffers[i].AsMemory(), ct: ct)).WaitAsync(Patience, ct);

        Assert.Equal(2, cutStripes);
        Assert.All(infos, i => Assert.Equal(1, i.Retries));
        Assert.True(restored[0] == true && restored[2] == true, "a neighbour's buffer did not hold its input again after the failed attempt");
        var expected = Enumerable.Range(0, elements).Select(i => (float)Enumerable.Range(0, 3).Sum(p => (p + i) % 17)).ToArray();
        Assert.All(buffers, b => Assert.Equal(expected, b));
    }

    private static T[][] Inputs<T>(Random random, int count, Func<Random, T> next) =>
        [.. Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, count).Select(_ => next(random)).ToArray())];

    private static async Task AssertSameAsync<T>(TestCluster single, TestCluster striped, T[][] inputs, AllReduceOptions options, CancellationToken ct)
        where T : unmanaged
    {
        var expected = await RunAsync(single, inputs, options, ct);
        var actual = await RunAsync(striped, inputs, options, ct);
        for (var p = 0; p < inputs.Length; p++)
        {
            Assert.True(expected[0].AsSpan().SequenceEqual(expected[p]), $"{typeof(T).Name} {options.Op}: one-connection peers differ");
            Assert.True(expected[p].AsSpan().SequenceEqual(actual[p]), $"{typeof(T).Name} {options.Op} {options.Quantization}: peer {p} differs bitwise from one connection");
        }
    }

    private static async Task<byte[][]> RunAsync<T>(TestCluster cluster, T[][] inputs, AllReduceOptions options, CancellationToken ct)
        where T : unmanaged
    {
        var buffers = inputs.Select(b => b.ToArray()).ToArray();
        await cluster.OnAll((p, i) => p.AllReduceAsync(buffers[i].AsMemory(), options, ct)).WaitAsync(Patience, ct);
        return [.. buffers.Select(b => MemoryMarshal.AsBytes(b.AsSpan()).ToArray())];
    }

    /// <summary>How many stripes each peer sent its latest operation on.</summary>
    private static int[] WatchStripes(TestCluster cluster)
    {
        var stripes = new int[cluster.Peers.Length];
        for (var p = 0; p < cluster.Peers.Length; p++)
        {
            var peer = p;
            cluster.Peers[p].FaultInjector = new FaultHooks
            {
                OnRingStarted = site =>
                {
                    stripes[peer] = site.Stripes;
                    return ValueTask.CompletedTask;
                },
            };
        }

        return stripes;
    }
}
