using Pccl.Operations.Collectives;

namespace Pccl.Tests.Collectives;

public sealed class RingLayoutTests
{
    [Theory]
    [InlineData(0L, 4, 2, 4 << 20)]
    [InlineData(3L, 4, 4, 4 << 20)]
    [InlineData(1025L, 4, 3, 4 << 20)]
    [InlineData(262_144L, 4, 2, 4 << 20)] // 1 MiB of floats
    [InlineData(4_194_304L, 4, 4, 4 << 20)] // 16 MiB
    [InlineData(67_108_864L, 4, 2, 4 << 20)] // 256 MiB
    [InlineData(203_530L, 8, 3, 32 * 1024)]
    [InlineData(1_000_003L, 2, 4, 1 << 20)]
    public void PiecesCoverEverySliceExactlyOnceAndNeverExceedTheChunk(long count, int elementSize, int world, int chunk)
    {
        var layout = new RingLayout(count, elementSize, world, chunk);

        Assert.True(layout.PieceBytes <= chunk);
        var expectedOffset = 0L;
        var index = 0;
        for (var slice = 0; slice < world; slice++)
        {
            for (var j = 0; j < layout.PieceCount(slice); j++)
            {
                var piece = layout.Piece(slice, j);
                Assert.Equal(index++, piece.Index);
                Assert.Equal(expectedOffset, piece.Offset);
                Assert.InRange(piece.Elements, 1, layout.PieceElements);
                Assert.Equal(piece.Elements * elementSize, piece.Bytes);
                expectedOffset += piece.Bytes;
            }
        }

        Assert.Equal(count * elementSize, expectedOffset);
        Assert.Equal(index, layout.TotalPieces);
    }

    [Fact]
    public void ASliceSmallerThanFourChunksIsStillCutIntoFourPiecesSoHopsOverlap()
    {
        // 16 MiB of floats over 4 peers: 4 MiB slices, which the 4 MiB chunk alone would send as one piece each
        var layout = new RingLayout(4_194_304, 4, 4, 4 << 20);

        Assert.Equal(1 << 20, layout.PieceBytes);
        Assert.All(Enumerable.Range(0, 4), slice => Assert.Equal(RingLayout.PiecesPerSlice, layout.PieceCount(slice)));
    }

    [Fact]
    public void PiecesDoNotShrinkBelowTheMinimumNorGrowBeyondTheChunk()
    {
        Assert.Equal(RingLayout.MinPieceBytes, new RingLayout(1_000_000, 4, 2, 4 << 20).PieceBytes);
        Assert.Equal(4 << 20, new RingLayout(67_108_864, 4, 2, 4 << 20).PieceBytes);
        Assert.Equal(32 * 1024, new RingLayout(100_000, 4, 2, 32 * 1024).PieceBytes);
    }
}
