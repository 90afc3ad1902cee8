using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Pccl.Operations.Collectives.Kernels;
using Pccl.Protocol.Messages;

namespace Pccl.Tests.Kernels;

/// <summary>
/// The reduction kernels against the scalar reference on inputs full of IEEE special values, at lengths around
/// the vector widths and around the slice size in which large pieces are processed (256 KiB).
/// </summary>
public class ReduceKernelsEdgeCaseTests
{
    private const int SliceBytes = 256 * 1024;

    public static TheoryData<int, int> TypeOp()
    {
        var data = new TheoryData<int, int>();
        foreach (DataType type in KernelTestData.AllTypes)
        {
            foreach (ReduceOp op in KernelTestData.AllOps)
            {
                data.Add((int)type, (int)op);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(TypeOp))]
    public void EveryLayoutMatchesScalarReferenceOnSpecialValues(int typeCode, int opCode)
    {
        var (type, op) = ((DataType)typeCode, (ReduceOp)opCode);
        foreach (int length in Lengths(type))
        {
            byte[] a = SpecialRandom(type, length, seed: length);
            byte[] b = SpecialRandom(type, length, seed: length + 77);
            byte[] expected = ScalarReference.Combine(type, op, a, b);

            byte[] inPlace = (byte[])a.Clone();
            ReduceKernels.Accumulate(type, op, inPlace, b);
            KernelTestData.AssertSameElements(type, expected, inPlace);

            byte[] intoB = (byte[])b.Clone();
            ReduceKernels.Combine(type, op, a, intoB, intoB);
            KernelTestData.AssertSameElements(type, expected, intoB);

            byte[] shifted = new byte[a.Length + 1];
            ReduceKernels.Combine(type, op, a, b, shifted.AsSpan(1));
            KernelTestData.AssertSameElements(type, expected, shifted.AsSpan(1));
        }
    }

    [Theory]
    [MemberData(nameof(TypeOp))]
    public void SlicedPiecesKeepTheBitsOfOneWholeSpanCall(int typeCode, int opCode)
    {
        // The kernels split large pieces into slices (16-bit floats into 1024-element blocks widened to float); one
        // TensorPrimitives call over the whole piece (for 16-bit floats: widen it all, one float call, narrow it all)
        // must give the same bytes, NaN payloads included, so where the ring cuts a buffer never changes a result.
        var (type, op) = ((DataType)typeCode, (ReduceOp)opCode);
        foreach (int length in Lengths(type))
        {
            byte[] a = SpecialRandom(type, length, seed: 3 * length);
            byte[] b = SpecialRandom(type, length, seed: (3 * length) + 1);
            byte[] expected = WholeSpan(type, op, a, b);

            ReduceKernels.Accumulate(type, op, a, b);

            Assert.True(expected.AsSpan().SequenceEqual(a), $"{type} {op} length {length} differs from one whole-span call");
        }
    }

    [Theory]
    [InlineData(ReduceOp.Sum)]
    [InlineData(ReduceOp.Prod)]
    internal void FusedBFloat16KeepsTheBitsOfTheBlockPipeline(ReduceOp op)
    {
        // BFloat16 sum and product run in one fused pass; the widen / float op / narrow pipeline over 1024-element
        // blocks (what they did before, and still do for Max and Min) must give the same bytes, NaN payloads included.
        foreach (int length in Lengths(DataType.Bf16))
        {
            byte[] a = SpecialRandom(DataType.Bf16, length, seed: 5 * length);
            byte[] b = SpecialRandom(DataType.Bf16, length, seed: (5 * length) + 1);
            byte[] expected = BlockPipeline(op, a, b);

            ReduceKernels.Accumulate(DataType.Bf16, op, a, b);

            Assert.True(expected.AsSpan().SequenceEqual(a), $"Bf16 {op} length {length} differs from the block pipeline");
        }
    }

    [Theory]
    [InlineData(DataType.F32)]
    [InlineData(DataType.F64)]
    [InlineData(DataType.F16)]
    [InlineData(DataType.Bf16)]
    internal void SumKeepsSignedZerosAndSubnormalsExact(DataType type)
    {
        // -0 + -0 = -0; -0 + +0 = +0; the smallest subnormal twice is exact; +inf + -inf is NaN.
        double tiny = type switch
        {
            DataType.F32 => float.Epsilon,
            DataType.F64 => double.Epsilon,
            DataType.F16 => (double)Half.Epsilon,
            _ => (double)BitConverter.UInt32BitsToSingle(0x0001_0000u), // smallest BFloat16 subnormal
        };
        double[] x = [-0.0, -0.0, tiny, double.PositiveInfinity, tiny];
        double[] y = [-0.0, 0.0, tiny, double.NegativeInfinity, -tiny];
        byte[] acc = Encode(type, x);

        ReduceKernels.Accumulate(type, ReduceOp.Sum, acc, Encode(type, y));

        Assert.True(double.IsNegative(KernelTestData.GetDouble(type, acc, 0)) && KernelTestData.GetDouble(type, acc, 0) == 0);
        Assert.True(double.IsPositive(KernelTestData.GetDouble(type, acc, 1)) && KernelTestData.GetDouble(type, acc, 1) == 0);
        Assert.Equal(2 * tiny, KernelTestData.GetDouble(type, acc, 2));
        Assert.True(double.IsNaN(KernelTestData.GetDouble(type, acc, 3)));
        Assert.True(double.IsPositive(KernelTestData.GetDouble(type, acc, 4)) && KernelTestData.GetDouble(type, acc, 4) == 0);
    }

    private static byte[] BlockPipeline(ReduceOp op, byte[] a, byte[] b)
    {
        const int block = 1024;
        byte[] result = new byte[a.Length];
        float[] x = new float[block];
        float[] y = new float[block];
        for (int offset = 0; offset < a.Length; offset += block * 2)
        {
            int bytes = Math.Min(block * 2, a.Length - offset);
            Span<float> xs = x.AsSpan(0, bytes / 2);
            Span<float> ys = y.AsSpan(0, bytes / 2);
            BrainFloat.Widen(a.AsSpan(offset, bytes), xs);
            BrainFloat.Widen(b.AsSpan(offset, bytes), ys);
            if (op == ReduceOp.Prod)
            {
                TensorPrimitives.Multiply(xs, ys, xs);
            }
            else
            {
                TensorPrimitives.Add(xs, ys, xs);
            }
            BrainFloat.Narrow(xs, result.AsSpan(offset, bytes));
        }
        return result;
    }

    private static byte[] WholeSpan(DataType type, ReduceOp op, byte[] a, byte[] b) => type switch
    {
        DataType.U8 => WholeSpan<byte>(op, a, b),
        DataType.I8 => WholeSpan<sbyte>(op, a, b),
        DataType.U16 => WholeSpan<ushort>(op, a, b),
        DataType.I16 => WholeSpan<short>(op, a, b),
        DataType.U32 => WholeSpan<uint>(op, a, b),
        DataType.I32 => WholeSpan<int>(op, a, b),
        DataType.U64 => WholeSpan<ulong>(op, a, b),
        DataType.I64 => WholeSpan<long>(op, a, b),
        DataType.F32 => WholeSpan<float>(op, a, b),
        DataType.F64 => WholeSpan<double>(op, a, b),
        DataType.F16 => WholeSpanNarrow<HalfFloat>(op, a, b),
        _ => WholeSpanNarrow<BrainFloat>(op, a, b),
    };

    private static byte[] WholeSpanNarrow<TFormat>(ReduceOp op, byte[] a, byte[] b)
        where TFormat : INarrowFloat
    {
        float[] x = new float[a.Length / 2];
        float[] y = new float[b.Length / 2];
        TFormat.Widen(a, x);
        TFormat.Widen(b, y);
        byte[] wide = WholeSpan<float>(op, MemoryMarshal.AsBytes(x.AsSpan()).ToArray(), MemoryMarshal.AsBytes(y.AsSpan()).ToArray());
        byte[] result = new byte[a.Length];
        TFormat.Narrow(MemoryMarshal.Cast<byte, float>(wide), result);
        return result;
    }

    private static byte[] WholeSpan<T>(ReduceOp op, byte[] a, byte[] b)
        where T : unmanaged, INumber<T>
    {
        ReadOnlySpan<T> x = MemoryMarshal.Cast<byte, T>(a);
        ReadOnlySpan<T> y = MemoryMarshal.Cast<byte, T>(b);
        byte[] result = new byte[a.Length];
        Span<T> d = MemoryMarshal.Cast<byte, T>(result.AsSpan());
        switch (op)
        {
            case ReduceOp.Sum or ReduceOp.Avg: TensorPrimitives.Add(x, y, d); break;
            case ReduceOp.Prod: TensorPrimitives.Multiply(x, y, d); break;
            case ReduceOp.Max: TensorPrimitives.Max(x, y, d); break;
            default: TensorPrimitives.Min(x, y, d); break;
        }
        return result;
    }

    /// <summary>Around vector widths (16 floats per 512-bit vector) and around one, two and three slices.</summary>
    private static IEnumerable<int> Lengths(DataType type)
    {
        int slice = SliceBytes / ReduceKernels.ElementSize(type);
        return [0, 1, 15, 16, 17, 1023, 1025, slice - 1, slice, slice + 1, (2 * slice) + 17, (3 * slice) - 5];
    }

    private static byte[] Encode(DataType type, double[] values)
    {
        byte[] bytes = new byte[values.Length * ReduceKernels.ElementSize(type)];
        for (int i = 0; i < values.Length; i++)
        {
            KernelTestData.SetDouble(type, bytes, i, values[i]);
        }
        return bytes;
    }

    /// <summary>
    /// Random elements: for floats, one in four is special (±0, ±infinity, a NaN with a random payload and sign,
    /// or a random subnormal) and the rest are random bit patterns of moderate exponent; integers are random bytes.
    /// </summary>
    private static byte[] SpecialRandom(DataType type, int count, int seed)
    {
        var rng = new Random(seed);
        int size = ReduceKernels.ElementSize(type);
        byte[] bytes = new byte[count * size];
        rng.NextBytes(bytes);
        if (!KernelTestData.IsFloat(type))
        {
            return bytes;
        }
        (int exponentBits, int mantissaBits) = type switch
        {
            DataType.F32 => (8, 23),
            DataType.F64 => (11, 52),
            DataType.F16 => (5, 10),
            _ => (8, 7),
        };
        ulong mantissaMask = (1UL << mantissaBits) - 1;
        ulong exponentMax = (1UL << exponentBits) - 1;
        ulong bias = exponentMax >> 1;
        for (int i = 0; i < count; i++)
        {
            ulong sign = (ulong)rng.Next(2) << (exponentBits + mantissaBits);
            ulong mantissa = (ulong)rng.NextInt64() & mantissaMask;
            // Exponents within +-6 of the bias: sums and products of normal values stay normal and finite mostly.
            ulong exponent = (ulong)((long)bias + rng.Next(-6, 7));
            if (rng.Next(4) == 0)
            {
                switch (rng.Next(4))
                {
                    case 0: exponent = 0; mantissa = 0; break;
                    case 1: exponent = exponentMax; mantissa = 0; break;
                    case 2: exponent = exponentMax; mantissa |= 1; break;
                    default: exponent = 0; mantissa |= 1; break;
                }
            }
            ulong bits = sign | (exponent << mantissaBits) | mantissa;
            for (int k = 0; k < size; k++)
            {
                bytes[(i * size) + k] = (byte)(bits >> (8 * k));
            }
        }
        return bytes;
    }
}
