using System.Runtime.CompilerServices;

namespace Pccl.Operations.Collectives.Kernels;

internal readonly struct ByteCodes : ICodeWidth
{
    public static int Bytes => 1;

    public static uint Levels => byte.MaxValue;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Load(ref byte codes, int index) => Unsafe.Add(ref codes, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(ref byte codes, int index, uint code) => Unsafe.Add(ref codes, index) = (byte)code;
}
