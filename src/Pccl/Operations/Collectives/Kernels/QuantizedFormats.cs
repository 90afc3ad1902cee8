using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Pccl.Operations.Collectives.Kernels;

/// <summary>How one floating-point element type is read as and written from <see cref="double"/>.</summary>
internal interface IQuantizedFormat
{
    static abstract int Size { get; }

    /// <summary>Smallest and largest element; NaN when any element is NaN. Requires at least one element.</summary>
    static abstract (double Min, double Max) Range(ReadOnlySpan<byte> values);

    static abstract double Load(ref byte values, int index);

    /// <summary>Widens <paramref name="values"/> into <paramref name="block"/> (one double per element).</summary>
    static abstract void LoadBlock(ReadOnlySpan<byte> values, Span<double> block);

    /// <summary>Rounds <paramref name="value"/> to the element type (to nearest) and stores it.</summary>
    static abstract void Store(ref byte values, int index, double value);
}

internal readonly struct SingleFormat : IQuantizedFormat
{
    /// <remarks>
    /// Vector widening: a scalar loop that converts float to double straight from memory makes the JIT emit
    /// cvtss2sd with a merge dependency on the previous iteration, which serialises the quantizer loop.
    /// </remarks>
    public static void LoadBlock(ReadOnlySpan<byte> values, Span<double> block)
    {
        ReadOnlySpan<float> src = MemoryMarshal.Cast<byte, float>(values);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref float s = ref MemoryMarshal.GetReference(src);
            ref double d = ref MemoryMarshal.GetReference(block);
            for (; i <= src.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector.Widen(Vector.LoadUnsafe(ref s, (nuint)i), out Vector<double> lo, out Vector<double> hi);
                Vector.StoreUnsafe(lo, ref d, (nuint)i);
                Vector.StoreUnsafe(hi, ref d, (nuint)(i + Vector<double>.Count));
            }
        }
        for (; i < src.Length; i++)
        {
            block[i] = src[i];
        }
    }

    public static int Size => sizeof(float);

    public static (double Min, double Max) Range(ReadOnlySpan<byte> values)
    {
        ReadOnlySpan<float> v = MemoryMarshal.Cast<byte, float>(values);
        return (TensorPrimitives.Min(v), TensorPrimitives.Max(v));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Load(ref byte values, int index) =>
        Unsafe.ReadUnaligned<float>(ref Unsafe.Add(ref values, index * sizeof(float)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(ref byte values, int index, double value) =>
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref values, index * sizeof(float)), (float)value);
}

internal readonly struct DoubleFormat : IQuantizedFormat
{
    public static void LoadBlock(ReadOnlySpan<byte> values, Span<double> block) =>
        MemoryMarshal.Cast<byte, double>(values).CopyTo(block);

    public static int Size => sizeof(double);

    public static (double Min, double Max) Range(ReadOnlySpan<byte> values)
    {
        ReadOnlySpan<double> v = MemoryMarshal.Cast<byte, double>(values);
        return (TensorPrimitives.Min(v), TensorPrimitives.Max(v));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Load(ref byte values, int index) =>
        Unsafe.ReadUnaligned<double>(ref Unsafe.Add(ref values, index * sizeof(double)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(ref byte values, int index, double value) =>
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref values, index * sizeof(double)), value);
}

internal readonly struct HalfFormat : IQuantizedFormat
{
    public static void LoadBlock(ReadOnlySpan<byte> values, Span<double> block)
    {
        ref byte r = ref MemoryMarshal.GetReference(values);
        for (int i = 0; i < block.Length; i++)
        {
            block[i] = Load(ref r, i);
        }
    }

    public static int Size => 2;

    public static (double Min, double Max) Range(ReadOnlySpan<byte> values)
    {
        ReadOnlySpan<Half> v = MemoryMarshal.Cast<byte, Half>(values);
        return ((double)TensorPrimitives.Min(v), (double)TensorPrimitives.Max(v));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Load(ref byte values, int index) =>
        (double)Unsafe.ReadUnaligned<Half>(ref Unsafe.Add(ref values, index * 2));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(ref byte values, int index, double value) =>
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref values, index * 2), (Half)value);
}

internal readonly struct BFloat16Format : IQuantizedFormat
{
    public static void LoadBlock(ReadOnlySpan<byte> values, Span<double> block)
    {
        ref byte r = ref MemoryMarshal.GetReference(values);
        for (int i = 0; i < block.Length; i++)
        {
            block[i] = Load(ref r, i);
        }
    }

    public static int Size => 2;

    public static (double Min, double Max) Range(ReadOnlySpan<byte> values)
    {
        ref byte r = ref MemoryMarshal.GetReference(values);
        double min = Load(ref r, 0);
        double max = min;
        for (int i = 1; i < values.Length / 2; i++)
        {
            double x = Load(ref r, i);
            min = Math.Min(min, x);
            max = Math.Max(max, x);
        }
        return (min, max);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Load(ref byte values, int index) =>
        BitConverter.UInt32BitsToSingle((uint)Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref values, index * 2)) << 16);

    /// <remarks>Rounds through float (double rounding); the result is still deterministic and within one BFloat16 ulp.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(ref byte values, int index, double value) =>
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref values, index * 2), BFloat16.RoundToBits((float)value));
}

/// <summary>Width of one quantized code.</summary>
internal interface ICodeWidth
{
    static abstract int Bytes { get; }

    /// <summary>Largest code, 2^bits - 1.</summary>
    static abstract uint Levels { get; }

    static abstract uint Load(ref byte codes, int index);

    static abstract void Store(ref byte codes, int index, uint code);
}

internal readonly struct ByteCodes : ICodeWidth
{
    public static int Bytes => 1;

    public static uint Levels => byte.MaxValue;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Load(ref byte codes, int index) => Unsafe.Add(ref codes, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(ref byte codes, int index, uint code) => Unsafe.Add(ref codes, index) = (byte)code;
}

/// <summary>16-bit codes, little-endian on the wire.</summary>
internal readonly struct UInt16Codes : ICodeWidth
{
    public static int Bytes => 2;

    public static uint Levels => ushort.MaxValue;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Load(ref byte codes, int index)
    {
        ushort raw = Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref codes, index * 2));
        return BitConverter.IsLittleEndian ? raw : System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(raw);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(ref byte codes, int index, uint code)
    {
        ushort raw = (ushort)code;
        Unsafe.WriteUnaligned(
            ref Unsafe.Add(ref codes, index * 2),
            BitConverter.IsLittleEndian ? raw : System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(raw));
    }
}
