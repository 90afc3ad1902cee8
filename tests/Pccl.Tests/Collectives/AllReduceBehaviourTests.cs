using System.Runtime.InteropServices;
using Pccl.Tests.Support;

namespace Pccl.Tests.Collectives;

/// <summary>Bitwise agreement, concurrency, quantization, mismatches and misuse.</summary>
public class AllReduceBehaviourTests
{
    [Fact]
    public async Task RandomFloatsGiveBitwiseEqualResultsOnEveryPeer()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(3, o => o with { RingChunkSize = 16 * 1024 }, ct);
        var random = new Random(7);
        // magnitudes spread over many orders, so the summation order changes the rounding
        var buffers = cluster.Peers.Select(_ => Enumerable.Range(0, 100_003).Select(_ => (float)(random.NextDouble() * Math.Pow(10, random.Next(-6, 7)) * (random.Next(2) * 2 - 1))).ToArray()).ToArray();
        var sequential = new float[buffers[0].Length];
        for (var i = 0; i < sequential.Length; i++)
        {
            sequential[i] = buffers[2][i] + buffers[1][i] + buffers[0][i];
        }

        await cluster.OnAll((p, i) => p.AllReduceAsync(buffers[i].AsMemory(), ct: ct));

        var first = MemoryMarshal.AsBytes(buffers[0].AsSpan());
        Assert.True(first.SequenceEqual(MemoryMarshal.AsBytes(buffers[1].AsSpan())));
        Assert.True(first.SequenceEqual(MemoryMarshal.AsBytes(buffers[2].AsSpan())));
        Assert.All(Enumerable.Range(0, 1000), i => Assert.Equal(sequential[i], buffers[0][i], 1e-3f * Math.Abs(sequential[i]) + 1e-6f));
    }

    [Theory]
    [InlineData(4, 3)]
    [InlineData(1, 3)]
    [InlineData(4, 4)]
    [InlineData(1, 4)]
    public async Task ConcurrentTagsWithDifferentOps(int ioThreads, int world)
    {
        var ct = TestContext.Current.CancellationToken;
        // with one IO slot the three operations queue in sequence order on every peer and still all complete; at four
        // peers the ring (tag 2) and halving-doubling (tags 1 and 3) run side by side on the same lanes' links
        await using var cluster = await TestCluster.StartAsync(world, o => o with { NumIoThreads = ioThreads, RingChunkSize = 64 * 1024 }, ct);
        var sums = cluster.Peers.Select((_, p) => Enumerable.Range(0, 250_000).Select(i => (float)(p + 1)).ToArray()).ToArray();
        var maxes = cluster.Peers.Select((_, p) => Enumerable.Range(0, 70_001).Select(i => (double)(p * 10 + i % 5)).ToArray()).ToArray();
        var mins = cluster.Peers.Select((_, p) => Enumerable.Range(0, 3).Select(i => (long)(p - i)).ToArray()).ToArray();

        await cluster.OnAll(async (p, i) =>
        {
            await Task.WhenAll(
                p.AllReduceAsync(sums[i].AsMemory(), new AllReduceOptions { Tag = 1, Op = ReduceOperation.Sum }, ct),
                p.AllReduceAsync(maxes[i].AsMemory(), new AllReduceOptions { Tag = 2, Op = ReduceOperation.Max, Algorithm = AllReduceAlgorithm.Ring }, ct),
                p.AllReduceAsync(mins[i].AsMemory(), new AllReduceOptions { Tag = 3, Op = ReduceOperation.Min }, ct));
            return 0;
        });

        Assert.All(sums, b => Assert.All(b, v => Assert.Equal(world * (world + 1) / 2f, v)));
        Assert.All(maxes, b => Assert.Equal(Enumerable.Range(0, 70_001).Select(i => (double)((world - 1) * 10 + i % 5)), b));
        Assert.All(mins, b => Assert.Equal([0L, -1L, -2L], b));
    }

    [Theory]
    [InlineData(QuantizationMode.MinMaxU8)]
    [InlineData(QuantizationMode.MinMaxU16)]
    public async Task QuantizedFortyTwoPlusFortyThreeIsEightyFiveExactly(QuantizationMode quantization)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(2, ct: ct);
        var buffers = new[] { Enumerable.Repeat(42f, 10_000).ToArray(), Enumerable.Repeat(43f, 10_000).ToArray() };
        await cluster.OnAll((p, i) => p.AllReduceAsync(buffers[i].AsMemory(), new AllReduceOptions { Quantization = quantization }, ct));
        Assert.All(buffers, b => Assert.All(b, v => Assert.Equal(85f, v)));
    }

    [Theory]
    [InlineData(QuantizationMode.MinMaxU8, 3, AllReduceAlgorithm.Auto)]
    [InlineData(QuantizationMode.MinMaxU16, 4, AllReduceAlgorithm.Ring)]
    [InlineData(QuantizationMode.MinMaxU8, 4, AllReduceAlgorithm.HalvingDoubling)]
    [InlineData(QuantizationMode.MinMaxU16, 4, AllReduceAlgorithm.HalvingDoubling)]
    public async Task QuantizedResultsAreBitIdenticalAndWithinTheBound(QuantizationMode quantization, int world, AllReduceAlgorithm algorithm)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(world, o => o with { RingChunkSize = 8 * 1024 }, ct);
        var random = new Random(3);
        var inputs = cluster.Peers.Select(_ => Enumerable.Range(0, 40_000).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
        var buffers = inputs.Select(b => (float[])b.Clone()).ToArray();
        var infos = await cluster.OnAll((p, i) => p.AllReduceAsync(buffers[i].AsMemory(), new AllReduceOptions { Quantization = quantization, Algorithm = algorithm }, ct));

        Assert.All(infos, i => Assert.Equal(world == 4 && algorithm != AllReduceAlgorithm.Ring ? AllReduceAlgorithm.HalvingDoubling : AllReduceAlgorithm.Ring, i.Algorithm));
        Assert.All(buffers.Skip(1), b => Assert.True(MemoryMarshal.AsBytes(b.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(buffers[0].AsSpan()))));
        // each quantized hop and the owner's final rounding add at most half a step of a piece's range (values in
        // [0, world]): world - 1 hops in the ring, 2 in halving-doubling
        var levels = quantization == QuantizationMode.MinMaxU8 ? 255.0 : 65535.0;
        var roundings = algorithm == AllReduceAlgorithm.HalvingDoubling ? 3 : world;
        var bound = roundings * (world / (2 * levels)) + 1e-4;
        for (var i = 0; i < buffers[0].Length; i++)
        {
            var exact = inputs.Sum(b => (double)b[i]);
            Assert.True(Math.Abs(buffers[0][i] - exact) <= bound, $"element {i}: {buffers[0][i]} vs {exact}, bound {bound}");
        }
    }

    [Fact]
    public async Task CompressedWireGivesExactResults()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(3, o => o with { EnableCompression = true, RingChunkSize = 32 * 1024 }, ct);
        var buffers = cluster.Peers.Select((_, p) => Enumerable.Range(0, 100_001).Select(i => (float)((i / 100) + p)).ToArray()).ToArray();
        await cluster.OnAll((p, i) => p.AllReduceAsync(buffers[i].AsMemory(), ct: ct));
        Assert.All(buffers, b => Assert.All(Enumerable.Range(0, b.Length), i => Assert.Equal(3f * (i / 100) + 3f, b[i])));
    }

    [Fact]
    public async Task MismatchedCountsFailOnEveryPeerNamingTheDifference()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(2, ct: ct);
        var results = await cluster.OnAll(async (p, i) =>
            await Assert.ThrowsAsync<PcclException>(() => p.AllReduceAsync(new float[i == 0 ? 100 : 200].AsMemory(), ct: ct)));
        Assert.All(results, e =>
        {
            Assert.Equal(PcclErrorCode.OperationMismatch, e.Code);
            Assert.Contains("element count", e.Message, StringComparison.Ordinal);
            Assert.Contains("100", e.Message, StringComparison.Ordinal);
            Assert.Contains("200", e.Message, StringComparison.Ordinal);
        });

        // the peers are still usable afterwards
        var buffers = new[] { new float[] { 1 }, new float[] { 2 } };
        await cluster.OnAll((p, i) => p.AllReduceAsync(buffers[i].AsMemory(), ct: ct));
        Assert.Equal(3f, buffers[1][0]);
    }

    [Fact]
    public async Task MismatchedTypesAndOpsAreNamed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(2, ct: ct);
        var typeErrors = await Task.WhenAll(
            Assert.ThrowsAsync<PcclException>(() => cluster.Peers[0].AllReduceAsync(new float[8].AsMemory(), ct: ct)),
            Assert.ThrowsAsync<PcclException>(() => cluster.Peers[1].AllReduceAsync(new int[8].AsMemory(), ct: ct)));
        Assert.All(typeErrors, e => Assert.Contains("data type", e.Message, StringComparison.Ordinal));

        var opErrors = await Task.WhenAll(
            Assert.ThrowsAsync<PcclException>(() => cluster.Peers[0].AllReduceAsync(new float[8].AsMemory(), new AllReduceOptions { Op = ReduceOperation.Max }, ct)),
            Assert.ThrowsAsync<PcclException>(() => cluster.Peers[1].AllReduceAsync(new float[8].AsMemory(), new AllReduceOptions { Op = ReduceOperation.Min }, ct)));
        Assert.All(opErrors, e => Assert.Contains("reduce op", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ASecondOperationOnATagInFlightFailsAtOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(2, ct: ct);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var first = cluster.Peers[0].AllReduceAsync(new float[16].AsMemory(), new AllReduceOptions { Tag = 5 }, cancel.Token);

        var second = await Assert.ThrowsAsync<PcclException>(() => cluster.Peers[0].AllReduceAsync(new float[16].AsMemory(), new AllReduceOptions { Tag = 5 }, ct));
        Assert.Equal(PcclErrorCode.TagInUse, second.Code);
        Assert.Contains("tag 5", second.Message, StringComparison.Ordinal);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);

        // the withdrawn operation does not linger: both peers can use tag 5 normally
        var buffers = new[] { new float[] { 1, 2 }, new float[] { 3, 4 } };
        await cluster.OnAll((p, i) => p.AllReduceAsync(buffers[i].AsMemory(), new AllReduceOptions { Tag = 5 }, ct));
        Assert.Equal([4f, 6f], buffers[0]);
    }

    [Fact]
    public async Task ASinglePeerWorldIsAClearError()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(1, ct: ct);
        var e = await Assert.ThrowsAsync<PcclException>(() => cluster.Peers[0].AllReduceAsync(new float[4].AsMemory(), ct: ct));
        Assert.Equal(PcclErrorCode.TooFewPeers, e.Code);
        Assert.Contains("at least 2 peers", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyBuffersAndFewerElementsThanPeers()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(4, ct: ct);
        var empty = await cluster.OnAll((p, _) => p.AllReduceAsync(Memory<float>.Empty, ct: ct));
        Assert.All(empty, i => Assert.Equal(0, i.BytesSent));

        var two = cluster.Peers.Select((_, p) => new[] { (float)p, 10f }).ToArray();
        await cluster.OnAll((p, i) => p.AllReduceAsync(two[i].AsMemory(), ct: ct));
        Assert.All(two, b => Assert.Equal([6f, 40f], b));
    }
}
