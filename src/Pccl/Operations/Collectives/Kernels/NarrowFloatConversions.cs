using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Pccl.Operations.Collectives.Kernels;

/// <summary>
/// Widens 16-bit floats (Half, BFloat16) stored as raw bytes to <see cref="float"/> and narrows them back
/// with round-to-nearest-even. Kernels for these types work in float blocks: for +, -, *, / the float
/// result narrowed once is the correctly rounded 16-bit result (float has at least 2p+2 mantissa bits),
/// so the outcome is the same bits on every machine.
/// </summary>
internal interface INarrowFloat
{
    static abstract void Widen(ReadOnlySpan<byte> source, Span<float> destination);

    static abstract void Narrow(ReadOnlySpan<float> source, Span<byte> destination);
}

/// <summary>IEEE binary16 (<see cref="Half"/>) through TensorPrimitives' vectorized conversions.</summary>
internal readonly struct HalfFloat : INarrowFloat
{
    public static void Widen(ReadOnlySpan<byte> source, Span<float> destination) =>
        TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination);

    public static void Narrow(ReadOnlySpan<float> source, Span<byte> destination) =>
        TensorPrimitives.ConvertToHalf(source, MemoryMarshal.Cast<byte, Half>(destination));
}

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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<uint> RoundToUpperHalf(Vector<uint> bits)
    {
        Vector<uint> rounded = bits + new Vector<uint>(0x7FFFu) + ((bits >> 16) & Vector<uint>.One);
        Vector<uint> quietNaN = bits | new Vector<uint>(0x0040_0000u);
        Vector<uint> isNaN = Vector.GreaterThan(bits & new Vector<uint>(0x7FFF_FFFFu), new Vector<uint>(0x7F80_0000u));
        return Vector.ConditionalSelect(isNaN, quietNaN, rounded) >> 16;
    }
}
