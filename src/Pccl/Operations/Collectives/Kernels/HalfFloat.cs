using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Pccl.Operations.Collectives.Kernels;

/// <summary>IEEE binary16 (<see cref="Half"/>) through TensorPrimitives' vectorized conversions.</summary>
internal readonly struct HalfFloat : INarrowFloat
{
    public static void Widen(ReadOnlySpan<byte> source, Span<float> destination) =>
        TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination);

    public static void Narrow(ReadOnlySpan<float> source, Span<byte> destination) =>
        TensorPrimitives.ConvertToHalf(source, MemoryMarshal.Cast<byte, Half>(destination));
}
