using System.Runtime.InteropServices;
using Pccl.Tests.Support;

namespace Pccl.Tests.Collectives.Hierarchical;

/// <summary>
/// The hierarchical all-reduce among in-process communicators on loopback, regions being labels: every type × op at
/// each region shape, in one world per shape; results equal the reference and are bit-identical on every peer.
/// </summary>
public class HierarchicalAllReduceTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static TheoryData<string> Shapes => new()
    {
        "a b a b",
        "a a a b",
        "a b c",
        "a b c a b c",
        "eu/r1 eu/r1 eu/r2 eu/r2 us/r1 us/r1 us/r2 us/r2",
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task EveryTypeAndOpMatchesTheReferenceAtEveryRegionShape(string shape)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(shape.Split(' '), ct: ct);
        foreach (var count in new[] { 2, 3, 1025 })
        {
            foreach (var op in Enum.GetValues<ReduceOperation>())
            {
                await Check<byte>(cluster, op, count);
                await Check<sbyte>(cluster, op, count);
                await Check<ushort>(cluster, op, count);
                await Check<short>(cluster, op, count);
                await Check<uint>(cluster, op, count);
                await Check<int>(cluster, op, count);
                await Check<ulong>(cluster, op, count);
                await Check<long>(cluster, op, count);
                await Check<Half>(cluster, op, count);
                await Check<BFloat16>(cluster, op, count);
                await Check<float>(cluster, op, count);
                await Check<double>(cluster, op, count);
            }
        }
    }

    /// <summary>Mixed depths with unlabelled peers ('-'), and nested regions of unequal size: the planner's harder shapes, run for real.</summary>
    [Theory]
    [InlineData("eu eu/fra - eu/fra -")]
    [InlineData("eu/x eu/x eu/x eu/y us/x us/x")]
    public async Task MixedAndNestedUnequalLabelsReduceExactly(string shape)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync([.. shape.Split(' ').Select(l => l == "-" ? "" : l)], ct: ct);
        foreach (var count in new[] { 3, 1025 })
        {
            foreach (var op in Enum.GetValues<ReduceOperation>())
            {
                await Check<int>(cluster, op, count);
                await Check<float>(cluster, op, count);
            }
        }
    }

    [Fact]
    public async Task ManyPiecesOutOfPlaceAndAutoPicksTheHierarchy()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(["a", "a", "a", "b"], o => o with { RingChunkSize = 64 * 1024 }, ct);
        const int count = 203_531;
        var inputs = Enumerable.Range(0, 4).Select(p => Enumerable.Range(0, count).Select(i => AllReduceMatrixTests.Input<float>(p, i)).ToArray()).ToArray();
        var outputs = inputs.Select(_ => new float[count]).ToArray();
        var infos = await cluster.OnAll((p, i) => p.AllReduceAsync((ReadOnlyMemory<float>)inputs[i], outputs[i], new AllReduceOptions(), ct)).WaitAsync(Patience, ct);

        var expected = AllReduceMatrixTests.Reference(inputs, ReduceOperation.Sum);
        Assert.All(outputs, o => Assert.Equal(expected, o));
        Assert.All(infos, i => Assert.Equal(AllReduceAlgorithm.Hierarchical, i.Algorithm));
        // the peer alone in region b exchanges every byte of the buffer across once each way; a's peers a third each
        Assert.Equal(count * sizeof(float), infos[3].BytesReceived);
    }

    /// <summary>
    /// Buffers of 16 MiB and more are planned as pipelined chunks whose rings run at once on each peer (the crossing of
    /// one chunk beside the region's reduce-scatter of the next): still the reference, still bit-identical.
    /// </summary>
    [Theory]
    [InlineData("a b a b")]
    [InlineData("a a a b")]
    [InlineData("eu/r1 eu/r1 eu/r2 eu/r2 us/r1 us/r1 us/r2 us/r2")]
    public async Task PipelinedChunksMatchTheReferenceAndStayBitIdentical(string shape)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(shape.Split(' '), ct: ct);
        const int count = (4 << 20) + 3; // two chunks, uneven shards
        await Check<float>(cluster, ReduceOperation.Sum, count);
        await Check<int>(cluster, ReduceOperation.Max, count);

        var status = await cluster.Master.GetStatusAsync(ct);
        var hierarchy = Assert.Single(status.Hierarchies).Value;
        var deepest = hierarchy.Stages.Max(s => s.Level);
        // the deepest reduce-scatters cover whole chunks: one start per chunk
        Assert.Equal(2, hierarchy.Stages.Where(s => s.Kind == "reduce-scatter" && s.Level == deepest).Select(s => s.FirstElement).Distinct().Count());
    }

    [Theory]
    [InlineData(QuantizationMode.MinMaxU8, false)]
    [InlineData(QuantizationMode.None, true)]
    public async Task QuantizationAndCompressionApplyAcrossRegionsAndStayBitIdentical(QuantizationMode quantization, bool compression)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(["a", "b", "a", "b", "c"], ct: ct);
        const int count = 10_001;
        var inputs = Enumerable.Range(0, 5).Select(p => Enumerable.Range(0, count).Select(i => MathF.Sin((i * 0.01f) + p)).ToArray()).ToArray();
        var buffers = inputs.Select(b => b.ToArray()).ToArray();
        var options = new AllReduceOptions { Quantization = quantization, Compression = compression, Algorithm = AllReduceAlgorithm.Hierarchical };
        await cluster.OnAll((p, i) => p.AllReduceAsync(buffers[i].AsMemory(), options, ct)).WaitAsync(Patience, ct);

        Assert.All(buffers, b => Assert.True(MemoryMarshal.AsBytes(buffers[0].AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(b.AsSpan())), "peers differ"));
        // u8 codes over a piece spanning at most [-5, 5]: about 0.04 per rounding, and a value is rounded at most three times here
        var tolerance = quantization == QuantizationMode.None ? 1e-5f : 0.15f;
        for (var i = 0; i < count; i++)
        {
            var sum = inputs.Sum(x => x[i]);
            Assert.True(MathF.Abs(buffers[0][i] - sum) <= tolerance, $"element {i}: {buffers[0][i]} vs {sum}");
        }
    }

    [Fact]
    public async Task TheMasterShowsTheHierarchyItBuilt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(["eu", "us", "eu", "us"], ct: ct);
        var buffers = cluster.Peers.Select(_ => new int[8]).ToArray();
        await cluster.OnAll((p, i) => p.AllReduceAsync(buffers[i].AsMemory(), new AllReduceOptions(), ct)).WaitAsync(Patience, ct);

        var status = await cluster.Master.GetStatusAsync(ct);
        var hierarchy = Assert.Single(status.Hierarchies).Value;
        Assert.Equal(["eu", "us"], hierarchy.Regions.Select(r => r.Label));
        Assert.Equal(2, hierarchy.Stages.Count(s => s.Kind == "all-reduce" && s.Level == 0));
        Assert.Contains("all-reduce@0 [", hierarchy.Description, StringComparison.Ordinal);
    }

    /// <summary>
    /// The matrix test's small integers; for a product only 1 and 2 (the matrix's values at positions 0 and 1): eight
    /// factors of up to 3 exceed Half's and BFloat16's exact integers, where the product would depend on the order, and
    /// the reference's order is not the hierarchy's. Powers of two keep every product exact.
    /// </summary>
    private static T Input<T>(ReduceOperation op, int peer, int i) where T : unmanaged =>
        op == ReduceOperation.Prod ? AllReduceMatrixTests.Input<T>(0, (i + peer) % 2) : AllReduceMatrixTests.Input<T>(peer, i);

    private static async Task Check<T>(TestCluster cluster, ReduceOperation op, int count) where T : unmanaged
    {
        var ct = TestContext.Current.CancellationToken;
        var n = cluster.Peers.Length;
        var inputs = Enumerable.Range(0, n).Select(p => Enumerable.Range(0, count).Select(i => Input<T>(op, p, i)).ToArray()).ToArray();
        var outputs = inputs.Select(x => (T[])x.Clone()).ToArray();
        var options = new AllReduceOptions { Op = op };
        var infos = await cluster.OnAll((p, i) => p.AllReduceAsync(outputs[i].AsMemory(), options, ct)).WaitAsync(Patience, ct);

        var expected = AllReduceMatrixTests.Reference(inputs, op);
        for (var p = 0; p < n; p++)
        {
            Assert.True(MemoryMarshal.AsBytes(expected.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(outputs[p].AsSpan())),
                $"{typeof(T).Name} {op} count {count} peer {p} differs from the reference");
            Assert.Equal(AllReduceAlgorithm.Hierarchical, infos[p].Algorithm);
            Assert.Equal(n, infos[p].WorldSize);
        }
    }
}
