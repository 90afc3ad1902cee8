using System.IO.Hashing;
using BenchmarkDotNet.Attributes;
using Pccl.Operations.StateSync;

namespace Pccl.Bench;

/// <summary>
/// Shared-state hashing at 256 MiB: one XxHash3 pass over the whole tensor versus TensorHasher's 4 MiB blocks,
/// on one thread and on every core. Throughput is 256 MiB divided by the mean.
/// </summary>
[MemoryDiagnoser]
public class HashBenchmarks
{
    private const int Size = 256 << 20;
    private byte[] _data = [];

    [GlobalSetup]
    public void Setup()
    {
        _data = GC.AllocateUninitializedArray<byte>(Size, pinned: true);
        new Random(1).NextBytes(_data);
    }

    [Benchmark(Baseline = true)]
    public ulong SinglePassXxHash3() => XxHash3.HashToUInt64(_data);

    [Benchmark]
    public ulong BlockedOneThread() => TensorHasher.Hash(_data, maxDegreeOfParallelism: 1);

    [Benchmark]
    public ulong BlockedAllCores() => TensorHasher.Hash(_data);
}

/// <summary>
/// A 256 MiB state as 256 tensors of 1 MiB (one block each), as a model's many layers are: hashed tensor by tensor
/// (each tensor's blocks in parallel, so one core for one-block tensors) against all blocks of all tensors at once.
/// </summary>
[MemoryDiagnoser]
public class ManyTensorHashBenchmarks
{
    private const int Tensors = 256;
    private const int TensorBytes = 1 << 20;
    private ReadOnlyMemory<byte>[] _tensors = [];

    [GlobalSetup]
    public void Setup()
    {
        var data = GC.AllocateUninitializedArray<byte>(Tensors * TensorBytes, pinned: true);
        new Random(1).NextBytes(data);
        _tensors = [.. Enumerable.Range(0, Tensors).Select(t => (ReadOnlyMemory<byte>)data.AsMemory(t * TensorBytes, TensorBytes))];
    }

    [Benchmark(Baseline = true)]
    public int TensorByTensor() => _tensors.Select(t => TensorHasher.HashBlocks(t)).Sum(h => h.Length);

    [Benchmark]
    public int AllBlocksAtOnce() => TensorHasher.HashBlocksOfAll(_tensors).Sum(h => h.Length);
}
