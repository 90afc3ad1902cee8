using System.Runtime.CompilerServices;

namespace Pccl.Operations.Collectives.Kernels;

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
