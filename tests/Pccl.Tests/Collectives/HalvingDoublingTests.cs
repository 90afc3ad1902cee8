using System.Runtime.InteropServices;
using Pccl.Tests.Support;

namespace Pccl.Tests.Collectives;

/// <summary>
/// Halving-doubling at four peers: chosen by default there and only there, bit-identical on every wire, concurrent,
/// agreed on by the master, and recovered from like the ring.
/// </summary>
public class HalvingDoublingTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static TheoryData<AllReduceAlgorithm> FourPeerAlgorithms => [AllReduceAlgorithm.Ring, AllReduceAlgorithm.HalvingDoubling];

    [Fact]
    public async Task FourPeersRunHalvingDoublingUnlessTheRingIsAskedFor()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var four = await TestCluster.StartAsync(4, ct: ct);
        Assert.All(await RunAsync(four, AllReduceAlgorithm.Auto, ct), i => Assert.Equal(AllReduceAlgorithm.HalvingDoubling, i.Algorithm));
        Assert.All(await RunAsync(four, AllReduceAlgorithm.Ring, ct), i => Assert.Equal(AllReduceAlgorithm.Ring, i.Algorithm));
        Assert.All(await RunAsync(four, AllReduceAlgorithm.HalvingDoubling, ct), i => Assert.Equal(AllReduceAlgorithm.HalvingDoubling, i.Algorithm));

        await using var three = await TestCluster.StartAsync(3, ct: ct);
        Assert.All(await RunAsync(three, AllReduceAlgorithm.HalvingDoubling, ct), i => Assert.Equal(AllReduceAlgorithm.Ring, i.Algorithm));
    }

    private static async Task<AllReduceInfo[]> RunAsync(TestCluster cluster, AllReduceAlgorithm algorithm, CancellationToken ct)
    {
        var buffers = cluster.Peers.Select((_, p) => Enumerable.Range(0, 1000).Select(i => (float)(p + i)).ToArray()).ToArray();
        var infos = await cluster.OnAll((p, i) => p.AllReduceAsync(buffers[i].AsMemory(), new AllReduceOptions { Algorithm = algorithm }, ct));
        var n = cluster.Peers.Length;
        Assert.All(buffers, b => Assert.Equal(Enumerable.Range(0, 1000).Select(i => (float)(n * i + n * (n - 1) / 2)), b));
        return infos;
    }

    [Theory]
    [MemberData(nameof(FourPeerAlgorithms))]
    public async Task RandomFloatsGiveBitwiseEqualResultsOnEveryPeer(AllReduceAlgorithm algorithm)
    {
        var ct = TestContext.Current.CancellationToken;
        // small pieces: every quarter spans several pipelined pieces, and 100,003 elements split unevenly
        await using var cluster = await TestCluster.StartAsync(4, o => o with { RingChunkSize = 16 * 1024 }, ct);
        var random = new Random(11);
        var buffers = cluster.Peers.Select(_ => Enumerable.Range(0, 100_003).Select(_ => (float)(random.NextDouble() * Math.Pow(10, random.Next(-6, 7)) * (random.Next(2) * 2 - 1))).ToArray()).ToArray();
        var exact = Enumerable.Range(0, buffers[0].Length).Select(i => buffers.Sum(b => (double)b[i])).ToArray();
        var magnitude = Enumerable.Range(0, buffers[0].Length).Select(i => buffers.Sum(b => Math.Abs((double)b[i]))).ToArray();

        var infos = await cluster.OnAll((p, i) => p.AllReduceAsync(buffers[i].AsMemory(), new AllReduceOptions { Algorithm = algorithm }, ct));

        Assert.All(infos, i => Assert.Equal(algorithm, i.Algorithm));
        Assert.All(buffers.Skip(1), b => Assert.True(MemoryMarshal.AsBytes(buffers[0].AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(b.AsSpan())), "peers differ bitwise"));
        // three float additions and the inputs' own rounding: each off by at most half an ulp of the sum of magnitudes
        Assert.All(Enumerable.Range(0, buffers[0].Length), i => Assert.True(Math.Abs(buffers[0][i] - exact[i]) <= 4 * 6e-8 * magnitude[i],
            $"element {i}: {buffers[0][i]} vs {exact[i]}"));
        // each peer sends what it would send in the ring: 2(N-1)/N of the buffer
        Assert.All(infos, i => Assert.InRange(i.BytesSent, 100_003L * 4 * 6 / 4 - 64, 100_003L * 4 * 6 / 4 + 64));
        Assert.All(infos, i => Assert.Equal(i.BytesSent, i.BytesReceived, 64.0));
    }

    [Fact]
    public async Task FortyTwoPlusFortyThreeTwiceIsExactOnTheQuantizedWire()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(4, ct: ct);
        var buffers = new[] { 42f, 43f, 42f, 43f }.Select(v => Enumerable.Repeat(v, 10_000).ToArray()).ToArray();
        await cluster.OnAll((p, i) => p.AllReduceAsync(buffers[i].AsMemory(), new AllReduceOptions { Quantization = QuantizationMode.MinMaxU8 }, ct));
        Assert.All(buffers, b => Assert.All(b, v => Assert.Equal(170f, v)));
    }

    [Fact]
    public async Task CompressedWireGivesExactResults()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(4, o => o with { EnableCompression = true, RingChunkSize = 32 * 1024 }, ct);
        var buffers = cluster.Peers.Select((_, p) => Enumerable.Range(0, 100_001).Select(i => (float)((i / 100) + p)).ToArray()).ToArray();
        var infos = await cluster.OnAll((p, i) => p.AllReduceAsync(buffers[i].AsMemory(), ct: ct));
        Assert.All(infos, i => Assert.Equal(AllReduceAlgorithm.HalvingDoubling, i.Algorithm));
        Assert.All(buffers, b => Assert.All(Enumerable.Range(0, b.Length), i => Assert.Equal(4f * (i / 100) + 6f, b[i])));
    }

    [Fact]
    public async Task PeersAskingForDifferentAlgorithmsFailNamingTheAlgorithm()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(4, ct: ct);
        var errors = await cluster.OnAll(async (p, i) => await Assert.ThrowsAsync<PcclException>(() => p.AllReduceAsync(new float[64].AsMemory(),
            new AllReduceOptions { Algorithm = i == 2 ? AllReduceAlgorithm.Ring : AllReduceAlgorithm.HalvingDoubling }, ct)));
        Assert.All(errors, e =>
        {
            Assert.Equal(PcclErrorCode.OperationMismatch, e.Code);
            Assert.Contains("algorithm", e.Message, StringComparison.Ordinal);
        });

        // still usable, and the default agrees
        Assert.All(await RunAsync(cluster, AllReduceAlgorithm.Auto, ct), i => Assert.Equal(AllReduceAlgorithm.HalvingDoubling, i.Algorithm));
    }

    [Fact]
    public async Task ABrokenLinkMidOperationFailsEveryPeerAndTheRetrySucceeds()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(4, o => o with { RingChunkSize = 16 * 1024 }, ct);
        var breaker = cluster.Peers[1];
        FaultHooks.BreakRingOnce(breaker);
        const int elements = 100_003;
        var buffers = cluster.Peers.Select((_, p) => Enumerable.Range(0, elements).Select(i => (float)((p + i) % 17)).ToArray()).ToArray();

        var infos = await cluster.OnAll((p, i) => p.AllReduceWithRetryAsync(buffers[i].AsMemory(), ct: ct)).WaitAsync(Patience, ct);

        Assert.All(infos, i => Assert.Equal(1, i.Retries));
        Assert.All(infos, i => Assert.Equal(AllReduceAlgorithm.HalvingDoubling, i.Algorithm));
        var expected = Enumerable.Range(0, elements).Select(i => (float)Enumerable.Range(0, 4).Sum(p => (p + i) % 17)).ToArray();
        Assert.All(buffers, b => Assert.Equal(expected, b));
    }

    [Fact]
    public async Task APeerLeavingMidOperationLeavesThreeThatFinishOnTheRing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(4, o => o with { RingChunkSize = 16 * 1024 }, ct);
        var leaver = cluster.Peers[3];
        FaultHooks.LeaveAtRingStart(leaver);
        const int elements = 50_001;
        var buffers = cluster.Peers.Select((_, p) => Enumerable.Range(0, elements).Select(i => (float)((p + i) % 13)).ToArray()).ToArray();

        var left = leaver.AllReduceWithRetryAsync(buffers[3].AsMemory(), ct: ct);
        var survivors = await Task.WhenAll(cluster.Peers.Take(3).Select((p, i) => p.AllReduceWithRetryAsync(buffers[i].AsMemory(), ct: ct))).WaitAsync(Patience, ct);
        await Assert.ThrowsAnyAsync<Exception>(() => left.WaitAsync(Patience, ct));

        Assert.All(survivors, i => Assert.True(i.Retries >= 1));
        Assert.All(survivors, i => Assert.Equal(3, i.WorldSize));
        Assert.All(survivors, i => Assert.Equal(AllReduceAlgorithm.Ring, i.Algorithm));
        var expected = Enumerable.Range(0, elements).Select(i => (float)Enumerable.Range(0, 3).Sum(p => (p + i) % 13)).ToArray();
        Assert.All(buffers.Take(3), b => Assert.Equal(expected, b));
    }
}
