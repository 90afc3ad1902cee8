using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Pccl.Operations.Collectives.Kernels;

/// <summary>
/// Byte-plane split: byte k of every element goes to plane k. Neighbouring floats share sign and exponent
/// bytes, so after the split those bytes sit next to each other and compress well.
/// </summary>
internal static class BytePlanes
{
    /// <summary>Writes the planes of <paramref name="source"/> to <paramref name="planes"/> (same length).</summary>
    public static void Split(ReadOnlySpan<byte> source, Span<byte> planes, int elementSize)
    {
        int count = source.Length / elementSize;
        ref byte src = ref MemoryMarshal.GetReference(source);
        ref byte dst = ref MemoryMarshal.GetReference(planes);
        for (int plane = 0; plane < elementSize; plane++)
        {
            ref byte planeStart = ref Unsafe.Add(ref dst, plane * count);
            for (int i = 0; i < count; i++)
            {
                Unsafe.Add(ref planeStart, i) =
                    Unsafe.Add(ref src, (i * elementSize) + plane);
            }
        }
    }

    /// <summary>Reverses <see cref="Split"/>.</summary>
    public static void Join(ReadOnlySpan<byte> planes, Span<byte> destination, int elementSize)
    {
        int count = planes.Length / elementSize;
        ref byte src = ref MemoryMarshal.GetReference(planes);
        ref byte dst = ref MemoryMarshal.GetReference(destination);
        for (int plane = 0; plane < elementSize; plane++)
        {
            ref byte planeStart = ref Unsafe.Add(ref src, plane * count);
            for (int i = 0; i < count; i++)
            {
                Unsafe.Add(ref dst, (i * elementSize) + plane) =
                    Unsafe.Add(ref planeStart, i);
            }
        }
    }
}
