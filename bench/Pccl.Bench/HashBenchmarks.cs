using System.IO.Hashing;
using BenchmarkDotNet.Attributes;
using Pccl.Operations.SharedState;

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
