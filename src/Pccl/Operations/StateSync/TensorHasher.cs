using System.Buffers.Binary;
using System.IO.Hashing;

namespace Pccl.Operations.StateSync;

/// <summary>
/// Content hash of a shared-state tensor: XxHash3 of every fixed-size block (the last one may be short), then
/// XxHash3 over the little-endian block hashes and the total length. The block structure, not the thread
/// count, defines the result, so blocks may be hashed in parallel and a receiver can verify each block
/// fetched from a different donor before the whole tensor is in.
/// </summary>
internal static class TensorHasher
{
    /// <summary>Block size of the shared-state hash and of multi-donor transfers: 4 MiB.</summary>
    public const int DefaultBlockSize = 4 << 20;

    /// <summary>Below this many bytes in all, a state is hashed on the calling thread (handing out work costs more).</summary>
    private const long SerialBytes = 1 << 20;

    /// <summary>The hash of <paramref name="data"/>, blocks hashed on up to <paramref name="maxDegreeOfParallelism"/> threads (-1: all cores).</summary>
    public static ulong Hash(ReadOnlyMemory<byte> data, int blockSize = DefaultBlockSize, int maxDegreeOfParallelism = -1) =>
        Combine(HashBlocks(data, blockSize, maxDegreeOfParallelism), data.Length);

    /// <summary>The hash of each tensor in <paramref name="tensors"/>, all their blocks hashed as one parallel job.</summary>
    public static ulong[] HashAll(IReadOnlyList<ReadOnlyMemory<byte>> tensors, int blockSize = DefaultBlockSize) =>
        [.. HashBlocksOfAll(tensors, blockSize).Select((blocks, t) => Combine(blocks, tensors[t].Length))];

    /// <summary>The hash of each block of <paramref name="data"/>, in block order.</summary>
    public static ulong[] HashBlocks(ReadOnlyMemory<byte> data, int blockSize = DefaultBlockSize, int maxDegreeOfParallelism = -1) =>
        HashBlocksOfAll([data], blockSize, maxDegreeOfParallelism)[0];

    /// <summary>
    /// The block hashes of every tensor in <paramref name="tensors"/> (one array per tensor, in order), all blocks of
    /// all tensors hashed on up to <paramref name="maxDegreeOfParallelism"/> threads (-1: all cores), so a state of many
    /// tensors of one block each uses every core as one large tensor does.
    /// </summary>
    public static ulong[][] HashBlocksOfAll(IReadOnlyList<ReadOnlyMemory<byte>> tensors, int blockSize = DefaultBlockSize, int maxDegreeOfParallelism = -1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        var hashes = new ulong[tensors.Count][];
        var blocks = new List<(int Tensor, int Block)>();
        long bytes = 0;
        for (var t = 0; t < tensors.Count; t++)
        {
            hashes[t] = new ulong[BlockCount(tensors[t].Length, blockSize)];
            bytes += tensors[t].Length;
            for (var b = 0; b < hashes[t].Length; b++)
            {
                blocks.Add((t, b));
            }
        }

        void HashOne(int i)
        {
            var (t, b) = blocks[i];
            hashes[t][b] = HashBlock(Block(tensors[t].Span, b, blockSize));
        }

        if (blocks.Count <= 1 || bytes < SerialBytes || maxDegreeOfParallelism == 1 || Environment.ProcessorCount == 1)
        {
            for (var i = 0; i < blocks.Count; i++)
            {
                HashOne(i);
            }
        }
        else
        {
            Parallel.For(0, blocks.Count, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, HashOne);
        }

        return hashes;
    }

    /// <summary>The hash of one block.</summary>
    public static ulong HashBlock(ReadOnlySpan<byte> block) => XxHash3.HashToUInt64(block);

    /// <summary>The tensor hash from its block hashes and total byte length.</summary>
    public static ulong Combine(ReadOnlySpan<ulong> blockHashes, long totalLength)
    {
        var hasher = new XxHash3();
        Span<byte> word = stackalloc byte[sizeof(ulong)];
        foreach (var blockHash in blockHashes)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(word, blockHash);
            hasher.Append(word);
        }
        BinaryPrimitives.WriteInt64LittleEndian(word, totalLength);
        hasher.Append(word);
        return hasher.GetCurrentHashAsUInt64();
    }

    /// <summary>Number of blocks a tensor of <paramref name="length"/> bytes has (0 for an empty tensor).</summary>
    public static int BlockCount(long length, int blockSize = DefaultBlockSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        return checked((int)((length + blockSize - 1) / blockSize));
    }

    /// <summary>Byte range of block <paramref name="index"/> in a tensor of <paramref name="length"/> bytes.</summary>
    public static (long Offset, int Length) BlockRange(long length, int index, int blockSize = DefaultBlockSize)
    {
        var offset = (long)index * blockSize;
        return (offset, (int)Math.Min(blockSize, length - offset));
    }

    private static ReadOnlySpan<byte> Block(ReadOnlySpan<byte> data, int index, int blockSize)
    {
        var (offset, length) = BlockRange(data.Length, index, blockSize);
        return data.Slice((int)offset, length);
    }
}
