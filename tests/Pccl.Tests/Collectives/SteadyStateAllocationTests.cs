using Pccl.Tests.Support;

namespace Pccl.Tests.Collectives;

/// <summary>The ring and halving-doubling, raw, quantized or compressed, allocate nothing per piece once warm (issue 3).</summary>
/// <remarks>Allocations are counted for the whole process, so these run alone.</remarks>
[Collection(Name)]
[CollectionDefinition(Name, DisableParallelization = true)]
public class SteadyStateAllocationTests
{
    public const string Name = "Process-wide allocations (serial)";

    [Theory]
    [InlineData(2, AllReduceAlgorithm.Ring, QuantizationMode.None, false)]
    [InlineData(3, AllReduceAlgorithm.Ring, QuantizationMode.None, false)]
    [InlineData(4, AllReduceAlgorithm.HalvingDoubling, QuantizationMode.None, false)]
    [InlineData(3, AllReduceAlgorithm.Ring, QuantizationMode.MinMaxU8, false)]
    [InlineData(3, AllReduceAlgorithm.Ring, QuantizationMode.None, true)]
    public async Task AnOperationAllocatesTheSameWhateverItsPieceCount(int world, AllReduceAlgorithm algorithm, QuantizationMode quantization, bool compression)
    {
        var ct = TestContext.Current.CancellationToken;
        const int chunk = 16 * 1024;
        const int PiecesPerSlice = 256;
        await using var cluster = await TestCluster.StartAsync(world, o => o with { RingChunkSize = chunk, EnableCompression = compression }, ct);
        var options = new AllReduceOptions { Algorithm = algorithm, Quantization = quantization };
        var few = cluster.Peers.Select(_ => new float[world * chunk / sizeof(float)]).ToArray();
        var many = cluster.Peers.Select(_ => new float[world * PiecesPerSlice * chunk / sizeof(float)]).ToArray();

        async Task<long> AllocatedPerOperation(float[][] buffers)
        {
            for (var warm = 0; warm < 10; warm++)
            {
                await cluster.OnAll((p, i) => p.AllReduceAsync(buffers[i].AsMemory(), options, ct));
            }

            const int operations = 16;
            var before = GC.GetTotalAllocatedBytes(precise: true);
            for (var k = 0; k < operations; k++)
            {
                await cluster.OnAll((p, i) => p.AllReduceAsync(buffers[i].AsMemory(), options, ct));
            }

            return (GC.GetTotalAllocatedBytes(precise: true) - before) / operations;
        }

        var perFew = await AllocatedPerOperation(few);
        var perMany = await AllocatedPerOperation(many);

        // every peer receives (and sends) 2(N-1) slices with either schedule; the smallest object is 24 bytes, so less
        // than that per extra piece means nothing is allocated for each piece (0-4 B measured: the odd pooled state
        // machine the runtime's per-thread caches miss; before pooling, 25-155 B)
        var extraPieces = (PiecesPerSlice - 1L) * world * 2 * (world - 1);
        var perPiece = (perMany - perFew) / (double)extraPieces;
        Assert.True(perPiece < 24, $"{perFew} B per operation with 1 piece per slice, {perMany} B with {PiecesPerSlice}: {perPiece:0.0} B per extra piece");
    }
}
