using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Pccl.Operations.Collectives.Kernels;

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
