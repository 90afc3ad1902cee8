using System.Runtime.InteropServices;
using Pccl.Operations.Collectives;
using Pccl.Operations.Collectives.Kernels;
using Pccl.Protocol.Codec;
using Pccl.Tests.Support;

namespace Pccl.Tests.Collectives;

/// <summary>Every element type × op at world sizes 2, 3, 4, over tiny, uneven and large buffers, in and out of place.</summary>
public class AllReduceMatrixTests
{
    /// <summary>Every world size with the algorithm it runs by default, and the ring at four peers too.</summary>
    public static TheoryData<int, AllReduceAlgorithm> WorldSizes => new()
    {
        { 2, AllReduceAlgorithm.Auto },
        { 3, AllReduceAlgorithm.Auto },
        { 4, AllReduceAlgorithm.Auto },
        { 4, AllReduceAlgorithm.Ring },
    };

    [Theory]
    [MemberData(nameof(WorldSizes))]
    public async Task EveryTypeAndOpMatchesTheReference(int world, AllReduceAlgorithm algorithm)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(world, ct: ct);
        foreach (var count in new[] { 2, 3, 1025 })
        {
            foreach (var op in Enum.GetValues<ReduceOperation>())
            {
                await Check<byte>(cluster, op, count, inPlace: true, algorithm);
                await Check<sbyte>(cluster, op, count, inPlace: true, algorithm);
                await Check<ushort>(cluster, op, count, inPlace: true, algorithm);
                await Check<short>(cluster, op, count, inPlace: true, algorithm);
                await Check<uint>(cluster, op, count, inPlace: true, algorithm);
                await Check<int>(cluster, op, count, inPlace: true, algorithm);
                await Check<ulong>(cluster, op, count, inPlace: true, algorithm);
                await Check<long>(cluster, op, count, inPlace: true, algorithm);
                await Check<Half>(cluster, op, count, inPlace: true, algorithm);
                await Check<BFloat16>(cluster, op, count, inPlace: true, algorithm);
                await Check<float>(cluster, op, count, inPlace: true, algorithm);
                await Check<double>(cluster, op, count, inPlace: true, algorithm);
            }
        }
    }

    [Theory]
    [MemberData(nameof(WorldSizes))]
    public async Task LargeUnevenBufferInPlaceAndOutOfPlace(int world, AllReduceAlgorithm algorithm)
    {
        var ct = TestContext.Current.CancellationToken;
        // a small chunk size makes 203,530 floats span many pipelined pieces per slice
        await using var cluster = await TestCluster.StartAsync(world, o => o with { RingChunkSize = 64 * 1024 }, ct);
        foreach (var op in Enum.GetValues<ReduceOperation>())
        {
            await Check<float>(cluster, op, 203_530, inPlace: true, algorithm);
            await Check<float>(cluster, op, 203_530, inPlace: false, algorithm);
            await Check<int>(cluster, op, 203_530, inPlace: false, algorithm);
        }
    }

    /// <summary>Small positive integers, so every op's result is exact in every type whatever the order.</summary>
    internal static T Input<T>(int peer, int i) where T : unmanaged
    {
        var v = 1 + ((i * 7 + peer * 3) % 3);
        return default(T) switch
        {
            byte => (T)(object)(byte)v,
            sbyte => (T)(object)(sbyte)(peer % 2 == 0 ? v : -v),
            ushort => (T)(object)(ushort)v,
            short => (T)(object)(short)(peer % 2 == 0 ? v : -v),
            uint => (T)(object)(uint)v,
            int => (T)(object)(peer % 2 == 0 ? v : -v),
            ulong => (T)(object)(ulong)v,
            long => (T)(object)(long)(peer % 2 == 0 ? v : -v),
            Half => (T)(object)(Half)v,
            BFloat16 => (T)(object)BFloat16.FromSingle(v),
            float => (T)(object)(float)v,
            double => (T)(object)(double)v,
            _ => throw new NotSupportedException(),
        };
    }

    private static async Task Check<T>(TestCluster cluster, ReduceOperation op, int count, bool inPlace, AllReduceAlgorithm algorithm) where T : unmanaged
    {
        var ct = TestContext.Current.CancellationToken;
        var n = cluster.Peers.Length;
        var inputs = Enumerable.Range(0, n).Select(p => Enumerable.Range(0, count).Select(i => Input<T>(p, i)).ToArray()).ToArray();
        var outputs = inputs.Select(x => inPlace ? (T[])x.Clone() : new T[count]).ToArray();
        var options = new AllReduceOptions { Op = op, Algorithm = algorithm };
        var infos = await cluster.OnAll((p, i) => inPlace
            ? p.AllReduceAsync(outputs[i].AsMemory(), options, ct)
            : p.AllReduceAsync((ReadOnlyMemory<T>)inputs[i].AsMemory(), outputs[i].AsMemory(), options, ct));

        var expected = Reference(inputs, op);
        for (var p = 0; p < n; p++)
        {
            Assert.True(MemoryMarshal.AsBytes(expected.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(outputs[p].AsSpan())),
                $"{typeof(T).Name} {op} count {count} world {n} {(inPlace ? "in" : "out of")} place: peer {p} differs from the reference");
            Assert.Equal(n, infos[p].WorldSize);
            Assert.Equal(n == 4 && algorithm == AllReduceAlgorithm.Auto ? AllReduceAlgorithm.HalvingDoubling : AllReduceAlgorithm.Ring, infos[p].Algorithm);
        }

        Assert.Single(infos.Select(i => i.Sequence).Distinct());
        if (!inPlace)
        {
            Assert.Equal(Input<T>(0, 1), inputs[0][1]); // the send buffer is untouched
        }
    }

    internal static T[] Reference<T>(T[][] inputs, ReduceOperation op) where T : unmanaged
    {
        var type = PcclDataTypes.Require<T>().ToWire();
        var wireOp = op.ToWire();
        var acc = (T[])inputs[0].Clone();
        foreach (var other in inputs.Skip(1))
        {
            ReduceKernels.Accumulate(type, wireOp, MemoryMarshal.AsBytes(acc.AsSpan()), MemoryMarshal.AsBytes(other.AsSpan()));
        }

        if (op == ReduceOperation.Avg)
        {
            ReduceKernels.FinishAverage(type, MemoryMarshal.AsBytes(acc.AsSpan()), inputs.Length);
        }

        return acc;
    }
}
