using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Pccl.Operations.Collectives.Kernels;

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
