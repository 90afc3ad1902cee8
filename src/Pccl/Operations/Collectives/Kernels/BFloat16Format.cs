using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Pccl.Operations.Collectives.Kernels;

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
