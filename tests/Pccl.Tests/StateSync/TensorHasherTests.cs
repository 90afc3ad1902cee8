using System.IO.Hashing;
using Pccl.Operations.StateSync;

namespace Pccl.Tests.StateSync;

public class TensorHasherTests
{
    private static byte[] RandomBytes(int length, int seed = 42)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    [Fact]
    public void HashIsTheSameForEveryThreadCount()
    {
        var data = RandomBytes(2 * TensorHasher.DefaultBlockSize + 12345);
        var expected = TensorHasher.Hash(data, maxDegreeOfParallelism: 1);

        foreach (var threads in new[] { 2, 3, 8, -1 })
            Assert.Equal(expected, TensorHasher.Hash(data, maxDegreeOfParallelism: threads));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(-1)]
    public void AStateOfManyTensorsHashesEachAsOnItsOwn(int threads)
    {
        const int block = 64 * 1024;
        int[] lengths = [0, 1, block - 1, block, block + 1, 3 * block + 5, 0, 200 * 1024, 17, 20 * block + 3]; // > 1 MiB in all: the parallel path runs
        var tensors = lengths.Select((length, i) => (ReadOnlyMemory<byte>)RandomBytes(length, seed: i)).ToList();

        var all = TensorHasher.HashBlocksOfAll(tensors, block, threads);

        Assert.Equal(lengths.Length, all.Length);
        for (var t = 0; t < tensors.Count; t++)
            Assert.Equal(TensorHasher.HashBlocks(tensors[t], block, 1), all[t]);
    }

    [Fact]
    public void ManySmallTensorsAboveTheSerialThresholdHashTheSameInParallel()
    {
        var tensors = Enumerable.Range(0, 40).Select(i => (ReadOnlyMemory<byte>)RandomBytes(48 * 1024 + i, seed: 100 + i)).ToList();

        var serial = TensorHasher.HashBlocksOfAll(tensors, 16 * 1024, 1);
        var parallel = TensorHasher.HashBlocksOfAll(tensors, 16 * 1024, -1);

        Assert.Equal(serial, parallel);
        Assert.Equal(3, serial[0].Length); // exactly three blocks
        Assert.Equal(4, serial[1].Length); // one byte more: a short fourth
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void BlockHashesAreXxHash3OfEachBlock(int threads)
    {
        const int block = 4096;
        var data = RandomBytes(10 * block + 7);

        var hashes = TensorHasher.HashBlocks(data, block, threads);

        Assert.Equal(11, hashes.Length);
        for (var i = 0; i < hashes.Length; i++)
            Assert.Equal(XxHash3.HashToUInt64(data.AsSpan(i * block, Math.Min(block, data.Length - i * block))), hashes[i]);
        Assert.Equal(TensorHasher.Combine(hashes, data.Length), TensorHasher.Hash(data, block, threads));
    }

    [Fact]
    public void OneFlippedBitChangesTheHashAndExactlyOneBlockHash()
    {
        const int block = 4096;
        var data = RandomBytes(64 * block);
        var hash = TensorHasher.Hash(data, block);
        var blocks = TensorHasher.HashBlocks(data, block);

        data[37 * block + 1234] ^= 0b0001_0000;

        Assert.NotEqual(hash, TensorHasher.Hash(data, block));
        var changed = TensorHasher.HashBlocks(data, block).Select((h, i) => (h, i)).Where(x => x.h != blocks[x.i]).Select(x => x.i);
        Assert.Equal([37], changed);
    }

    [Fact]
    public void LengthIsPartOfTheHash()
    {
        Assert.NotEqual(TensorHasher.Hash(new byte[4096]), TensorHasher.Hash(new byte[4097]));
        Assert.NotEqual(TensorHasher.Hash(Array.Empty<byte>()), TensorHasher.Hash(new byte[1]));
    }

    [Fact]
    public void EmptyTensorHasNoBlocksAndAStableHash()
    {
        Assert.Empty(TensorHasher.HashBlocks(Array.Empty<byte>()));
        Assert.Equal(TensorHasher.Hash(Array.Empty<byte>()), TensorHasher.Combine([], 0));
    }
}
