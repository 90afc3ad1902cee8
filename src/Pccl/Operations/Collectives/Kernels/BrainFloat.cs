using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Pccl.Operations.Collectives.Kernels;

/// <summary>BFloat16: widening is a 16-bit shift; narrowing rounds to nearest even and keeps NaNs quiet.</summary>
internal readonly struct BrainFloat : INarrowFloat
{
    public static void Widen(ReadOnlySpan<byte> source, Span<float> destination)
    {
        ReadOnlySpan<ushort> src = MemoryMarshal.Cast<byte, ushort>(source);
        Span<uint> dst = MemoryMarshal.Cast<float, uint>(destination);
        if (dst.Length < src.Length)
        {
            throw new ArgumentException("Destination is too short.", nameof(destination));
        }
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref ushort s = ref MemoryMarshal.GetReference(src);
            ref uint d = ref MemoryMarshal.GetReference(dst);
            for (; i <= src.Length - Vector<ushort>.Count; i += Vector<ushort>.Count)
            {
                Vector.Widen(Vector.LoadUnsafe(ref s, (nuint)i), out Vector<uint> lo, out Vector<uint> hi);
                Vector.StoreUnsafe(lo << 16, ref d, (nuint)i);
                Vector.StoreUnsafe(hi << 16, ref d, (nuint)(i + Vector<uint>.Count));
            }
        }
        for (; i < src.Length; i++)
        {
            dst[i] = (uint)src[i] << 16;
        }
    }

    public static void Narrow(ReadOnlySpan<float> source, Span<byte> destination)
    {
        ReadOnlySpan<uint> src = MemoryMarshal.Cast<float, uint>(source);
        Span<ushort> dst = MemoryMarshal.Cast<byte, ushort>(destination);
        if (dst.Length < src.Length)
        {
            throw new ArgumentException("Destination is too short.", nameof(destination));
        }
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref uint s = ref MemoryMarshal.GetReference(src);
            ref ushort d = ref MemoryMarshal.GetReference(dst);
            for (; i <= src.Length - Vector<ushort>.Count; i += Vector<ushort>.Count)
            {
                Vector<uint> lo = RoundToUpperHalf(Vector.LoadUnsafe(ref s, (nuint)i));
                Vector<uint> hi = RoundToUpperHalf(Vector.LoadUnsafe(ref s, (nuint)(i + Vector<uint>.Count)));
                Vector.StoreUnsafe(Vector.Narrow(lo, hi), ref d, (nuint)i);
            }
        }
        for (; i < src.Length; i++)
        {
            dst[i] = BFloat16.RoundToBits(BitConverter.UInt32BitsToSingle(src[i]));
        }
    }

    /// <summary>
    /// <c>destination[i] = a[i] + b[i]</c> (or <c>*</c>) in one pass: widen, one float operation, round once.
    /// The same steps as <see cref="Widen"/>, a float add or multiply and <see cref="Narrow"/> over blocks, so
    /// the same bits, without the round trip through stack buffers. Same-address aliasing is safe.
    /// </summary>
    public static void AddOrMultiply(bool multiply, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> destination)
    {
        ReadOnlySpan<ushort> x = MemoryMarshal.Cast<byte, ushort>(a);
        ReadOnlySpan<ushort> y = MemoryMarshal.Cast<byte, ushort>(b);
        Span<ushort> d = MemoryMarshal.Cast<byte, ushort>(destination);
        if (y.Length != x.Length || d.Length != x.Length)
        {
            throw new ArgumentException("Operands and destination must have the same length.", nameof(destination));
        }
        int i = 0;
        ref ushort xs = ref MemoryMarshal.GetReference(x);
        ref ushort ys = ref MemoryMarshal.GetReference(y);
        ref ushort ds = ref MemoryMarshal.GetReference(d);
        if (Vector512.IsHardwareAccelerated)
        {
            // Lane-wise the same operations as the Vector<T> loop below, twice as wide.
            for (; i <= x.Length - Vector512<ushort>.Count; i += Vector512<ushort>.Count)
            {
                (Vector512<uint> xLo, Vector512<uint> xHi) = Vector512.Widen(Vector512.LoadUnsafe(ref xs, (nuint)i));
                (Vector512<uint> yLo, Vector512<uint> yHi) = Vector512.Widen(Vector512.LoadUnsafe(ref ys, (nuint)i));
                Vector512<uint> lo = Operate(multiply, xLo << 16, yLo << 16);
                Vector512<uint> hi = Operate(multiply, xHi << 16, yHi << 16);
                Vector512.Narrow(RoundToUpperHalf(lo), RoundToUpperHalf(hi)).StoreUnsafe(ref ds, (nuint)i);
            }
        }
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= x.Length - Vector<ushort>.Count; i += Vector<ushort>.Count)
            {
                Vector.Widen(Vector.LoadUnsafe(ref xs, (nuint)i), out Vector<uint> xLo, out Vector<uint> xHi);
                Vector.Widen(Vector.LoadUnsafe(ref ys, (nuint)i), out Vector<uint> yLo, out Vector<uint> yHi);
                Vector<uint> lo = Operate(multiply, xLo << 16, yLo << 16);
                Vector<uint> hi = Operate(multiply, xHi << 16, yHi << 16);
                Vector.StoreUnsafe(Vector.Narrow(RoundToUpperHalf(lo), RoundToUpperHalf(hi)), ref ds, (nuint)i);
            }
        }
        for (; i < x.Length; i++)
        {
            float p = BitConverter.UInt32BitsToSingle((uint)x[i] << 16);
            float q = BitConverter.UInt32BitsToSingle((uint)y[i] << 16);
            d[i] = BFloat16.RoundToBits(multiply ? p * q : p + q);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<uint> Operate(bool multiply, Vector<uint> x, Vector<uint> y)
    {
        Vector<float> p = Vector.AsVectorSingle(x);
        Vector<float> q = Vector.AsVectorSingle(y);
        return Vector.AsVectorUInt32(multiply ? p * q : p + q);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Operate(bool multiply, Vector512<uint> x, Vector512<uint> y)
    {
        Vector512<float> p = x.AsSingle();
        Vector512<float> q = y.AsSingle();
        return (multiply ? p * q : p + q).AsUInt32();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> RoundToUpperHalf(Vector512<uint> bits)
    {
        Vector512<uint> rounded = bits + Vector512.Create(0x7FFFu) + ((bits >> 16) & Vector512<uint>.One);
        Vector512<uint> quietNaN = bits | Vector512.Create(0x0040_0000u);
        Vector512<uint> isNaN = Vector512.GreaterThan(bits & Vector512.Create(0x7FFF_FFFFu), Vector512.Create(0x7F80_0000u));
        return Vector512.ConditionalSelect(isNaN, quietNaN, rounded) >> 16;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<uint> RoundToUpperHalf(Vector<uint> bits)
    {
        Vector<uint> rounded = bits + new Vector<uint>(0x7FFFu) + ((bits >> 16) & Vector<uint>.One);
        Vector<uint> quietNaN = bits | new Vector<uint>(0x0040_0000u);
        Vector<uint> isNaN = Vector.GreaterThan(bits & new Vector<uint>(0x7FFF_FFFFu), new Vector<uint>(0x7F80_0000u));
        return Vector.ConditionalSelect(isNaN, quietNaN, rounded) >> 16;
    }
}
