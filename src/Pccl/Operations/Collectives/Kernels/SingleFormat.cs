using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Pccl.Operations.Collectives.Kernels;

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
