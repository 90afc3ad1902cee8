using Pccl.Operations.Collectives;

namespace Pccl.Tests.Collectives;

public sealed class BlockRestoreTests
{
    [Fact]
    public void CopiesEverySavedPieceAcrossBlocksAndNothingElse()
    {
        const int size = 1000;
        var store = Enumerable.Range(0, size).Select(i => (byte)(i % 251)).ToArray();
        var buffer = new byte[size];
        buffer.AsSpan().Fill(0xEE);
        // pieces that are no multiple of the block, one empty, and gaps that were never written
        PieceRef[] pieces = [new(0, 0, 0, 130), new(1, 130, 0, 0), new(2, 200, 0, 333), new(3, 700, 0, 299)];

        BlockRestore.Run(pieces, buffer, store, blockBytes: 16);

        for (var i = 0; i < size; i++)
        {
            var saved = i < 130 || (i >= 200 && i < 533) || (i >= 700 && i < 999);
            Assert.True(buffer[i] == (saved ? store[i] : 0xEE), $"byte {i}: {buffer[i]}, expected {(saved ? store[i] : 0xEE)}");
        }
    }

    [Fact]
    public void ReturnsOnlyOnceEveryBlockIsCopiedWhenHelpersTakeBlocksToo()
    {
        const int size = 8 << 20;
        var store = new byte[size];
        Random.Shared.NextBytes(store);
        for (var round = 0; round < 20; round++)
        {
            var buffer = new byte[size];
            BlockRestore.Run([new PieceRef(0, 0, 0, size)], buffer, store, blockBytes: 64 * 1024);
            Assert.True(buffer.AsSpan().SequenceEqual(store), $"round {round}: the buffer differs from the store when Run returned");
        }
    }
}
