using System.Runtime.InteropServices;
using Pccl.Operations.Collectives.Kernels;
using Pccl.Protocol.Messages;

namespace Pccl.Tests.Kernels;

/// <summary>Seeded random pieces and element-level views shared by the kernel tests.</summary>
internal static class KernelTestData
{
    public static readonly DataType[] AllTypes =
    [
        DataType.U8, DataType.I8, DataType.U16, DataType.I16, DataType.U32, DataType.I32,
        DataType.U64, DataType.I64, DataType.F16, DataType.Bf16, DataType.F32, DataType.F64,
    ];

    public static readonly DataType[] FloatTypes = [DataType.F32, DataType.F64, DataType.F16, DataType.Bf16];

    public static readonly ReduceOp[] AllOps = [ReduceOp.Sum, ReduceOp.Avg, ReduceOp.Prod, ReduceOp.Max, ReduceOp.Min];

    public static bool IsFloat(DataType type) => Array.IndexOf(FloatTypes, type) >= 0;

    /// <summary>Random elements; floats are moderate numbers with signed zeros, infinities and NaN sprinkled in when <paramref name="specials"/>.</summary>
    public static byte[] Random(DataType type, int count, int seed, bool specials = true)
    {
        var rng = new Random(seed);
        int size = ReduceKernels.ElementSize(type);
        byte[] bytes = new byte[count * size];
        if (!IsFloat(type))
        {
            rng.NextBytes(bytes);
            return bytes;
        }
        for (int i = 0; i < count; i++)
        {
            double v = (rng.NextDouble() - 0.5) * Math.Pow(2, rng.Next(-12, 12));
            if (specials && rng.Next(16) == 0)
            {
                v = rng.Next(5) switch
                {
                    0 => 0.0,
                    1 => -0.0,
                    2 => double.PositiveInfinity,
                    3 => double.NegativeInfinity,
                    _ => double.NaN,
                };
            }
            SetDouble(type, bytes, i, v);
        }
        return bytes;
    }

    public static double GetDouble(DataType type, ReadOnlySpan<byte> bytes, int i) => type switch
    {
        DataType.F32 => MemoryMarshal.Cast<byte, float>(bytes)[i],
        DataType.F64 => MemoryMarshal.Cast<byte, double>(bytes)[i],
        DataType.F16 => (double)MemoryMarshal.Cast<byte, Half>(bytes)[i],
        DataType.Bf16 => MemoryMarshal.Cast<byte, BFloat16>(bytes)[i].ToSingle(),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>Stores <paramref name="v"/> rounded to the element type (BFloat16 via float).</summary>
    public static void SetDouble(DataType type, Span<byte> bytes, int i, double v)
    {
        switch (type)
        {
            case DataType.F32: MemoryMarshal.Cast<byte, float>(bytes)[i] = (float)v; break;
            case DataType.F64: MemoryMarshal.Cast<byte, double>(bytes)[i] = v; break;
            case DataType.F16: MemoryMarshal.Cast<byte, Half>(bytes)[i] = (Half)v; break;
            case DataType.Bf16: MemoryMarshal.Cast<byte, BFloat16>(bytes)[i] = (BFloat16)(float)v; break;
            default: throw new ArgumentOutOfRangeException(nameof(type));
        }
    }

    /// <summary>Bit equality per element, except that any NaN matches any NaN.</summary>
    public static void AssertSameElements(DataType type, ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        int size = ReduceKernels.ElementSize(type);
        for (int i = 0; i < expected.Length / size; i++)
        {
            ReadOnlySpan<byte> e = expected.Slice(i * size, size);
            ReadOnlySpan<byte> a = actual.Slice(i * size, size);
            if (IsFloat(type) && double.IsNaN(GetDouble(type, expected, i)) && double.IsNaN(GetDouble(type, actual, i)))
            {
                continue;
            }
            if (!e.SequenceEqual(a))
            {
                Assert.Fail($"{type} element {i}: expected {Convert.ToHexString(e)}, got {Convert.ToHexString(a)}");
            }
        }
    }
}
