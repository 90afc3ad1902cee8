using System.Numerics;
using System.Runtime.InteropServices;
using Pccl.Protocol.Messages;

namespace Pccl.Tests.Kernels;

/// <summary>
/// Element-by-element reference for the reduction kernels, written independently of them:
/// Half is computed in double (exact for + and *, then one rounding), BFloat16 in float.
/// </summary>
internal static class ScalarReference
{
    public static byte[] Combine(DataType type, ReduceOp op, byte[] a, byte[] b)
    {
        byte[] d = new byte[a.Length];
        switch (type)
        {
            case DataType.U8: Ints<byte>(op, a, b, d); break;
            case DataType.I8: Ints<sbyte>(op, a, b, d); break;
            case DataType.U16: Ints<ushort>(op, a, b, d); break;
            case DataType.I16: Ints<short>(op, a, b, d); break;
            case DataType.U32: Ints<uint>(op, a, b, d); break;
            case DataType.I32: Ints<int>(op, a, b, d); break;
            case DataType.U64: Ints<ulong>(op, a, b, d); break;
            case DataType.I64: Ints<long>(op, a, b, d); break;
            case DataType.F32: Floats<float>(op, a, b, d, (x, y) => x + y, (x, y) => x * y); break;
            case DataType.F64: Floats<double>(op, a, b, d, (x, y) => x + y, (x, y) => x * y); break;
            case DataType.F16:
                Floats<Half>(op, a, b, d, (x, y) => (Half)((double)x + (double)y), (x, y) => (Half)((double)x * (double)y));
                break;
            case DataType.Bf16:
                var xs = MemoryMarshal.Cast<byte, BFloat16>(a);
                var ys = MemoryMarshal.Cast<byte, BFloat16>(b);
                var ds = MemoryMarshal.Cast<byte, BFloat16>(d.AsSpan());
                for (int i = 0; i < xs.Length; i++)
                {
                    float x = xs[i], y = ys[i];
                    ds[i] = (BFloat16)(op switch
                    {
                        ReduceOp.Sum or ReduceOp.Avg => x + y,
                        ReduceOp.Prod => x * y,
                        ReduceOp.Max => IeeeMax(x, y),
                        _ => IeeeMin(x, y),
                    });
                }
                break;
            default: throw new ArgumentOutOfRangeException(nameof(type));
        }
        return d;
    }

    public static byte[] Average(DataType type, byte[] data, int n)
    {
        byte[] d = (byte[])data.Clone();
        switch (type)
        {
            case DataType.U8: Each<byte>(d, v => (byte)(v / (ulong)n)); break;
            case DataType.I8: Each<sbyte>(d, v => (sbyte)(v / (long)n)); break;
            case DataType.U16: Each<ushort>(d, v => (ushort)(v / (ulong)n)); break;
            case DataType.I16: Each<short>(d, v => (short)(v / (long)n)); break;
            case DataType.U32: Each<uint>(d, v => (uint)(v / (ulong)n)); break;
            case DataType.I32: Each<int>(d, v => (int)(v / (long)n)); break;
            case DataType.U64: Each<ulong>(d, v => v / (ulong)n); break;
            case DataType.I64: Each<long>(d, v => v / n); break;
            case DataType.F32: Each<float>(d, v => v / n); break;
            case DataType.F64: Each<double>(d, v => v / n); break;
            case DataType.F16: Each<Half>(d, v => (Half)((double)v / n)); break;
            case DataType.Bf16: Each<BFloat16>(d, v => (BFloat16)(v.ToSingle() / n)); break;
            default: throw new ArgumentOutOfRangeException(nameof(type));
        }
        return d;
    }

    private static void Each<T>(byte[] d, Func<T, T> f)
        where T : unmanaged
    {
        Span<T> s = MemoryMarshal.Cast<byte, T>(d.AsSpan());
        for (int i = 0; i < s.Length; i++)
        {
            s[i] = f(s[i]);
        }
    }

    private static void Ints<T>(ReduceOp op, byte[] a, byte[] b, byte[] d)
        where T : unmanaged, IBinaryInteger<T>
    {
        var xs = MemoryMarshal.Cast<byte, T>(a);
        var ys = MemoryMarshal.Cast<byte, T>(b);
        var ds = MemoryMarshal.Cast<byte, T>(d.AsSpan());
        for (int i = 0; i < xs.Length; i++)
        {
            T x = xs[i], y = ys[i];
            ds[i] = op switch
            {
                ReduceOp.Sum or ReduceOp.Avg => unchecked(x + y),
                ReduceOp.Prod => unchecked(x * y),
                ReduceOp.Max => x > y ? x : y,
                _ => x < y ? x : y,
            };
        }
    }

    private static void Floats<T>(ReduceOp op, byte[] a, byte[] b, byte[] d, Func<T, T, T> add, Func<T, T, T> mul)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var xs = MemoryMarshal.Cast<byte, T>(a);
        var ys = MemoryMarshal.Cast<byte, T>(b);
        var ds = MemoryMarshal.Cast<byte, T>(d.AsSpan());
        for (int i = 0; i < xs.Length; i++)
        {
            T x = xs[i], y = ys[i];
            ds[i] = op switch
            {
                ReduceOp.Sum or ReduceOp.Avg => add(x, y),
                ReduceOp.Prod => mul(x, y),
                ReduceOp.Max => IeeeMax(x, y),
                _ => IeeeMin(x, y),
            };
        }
    }

    /// <summary>IEEE 754:2019 maximum: NaN wins, +0 beats -0.</summary>
    private static T IeeeMax<T>(T x, T y)
        where T : IFloatingPointIeee754<T>
    {
        if (T.IsNaN(x) || T.IsNaN(y))
        {
            return T.NaN;
        }
        if (x == y)
        {
            return T.IsNegative(x) ? y : x;
        }
        return x > y ? x : y;
    }

    private static T IeeeMin<T>(T x, T y)
        where T : IFloatingPointIeee754<T>
    {
        if (T.IsNaN(x) || T.IsNaN(y))
        {
            return T.NaN;
        }
        if (x == y)
        {
            return T.IsNegative(x) ? x : y;
        }
        return x < y ? x : y;
    }
}
