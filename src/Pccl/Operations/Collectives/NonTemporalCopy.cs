using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pccl.Operations.Collectives;

/// <summary>
/// A copy whose stores bypass the cache (x86 AVX non-temporal stores): the destination's lines are not read in before
/// they are overwritten, so a large copy moves two bytes through memory per byte copied instead of three. For the
/// restore of a backup, whose bytes the caller reads again only in its next operation; elsewhere (or on a CPU without
/// AVX, or for a copy under a page) it is a plain copy.
/// </summary>
internal static class NonTemporalCopy
{
    private const int MinBytes = 4096;
    private const int Stride = 4 * 32;

    public static unsafe void Copy(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (!Avx.IsSupported || source.Length < MinBytes)
        {
            source.CopyTo(destination);
            return;
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, source.Length);
        fixed (byte* from = source)
        fixed (byte* to = destination)
        {
            // plain stores up to the first 32-byte boundary of the destination, then whole strides, then the tail
            var head = (int)((32 - ((nint)to & 31)) & 31);
            source[..head].CopyTo(destination);
            var i = head;
            for (; i + Stride <= source.Length; i += Stride)
            {
                var a = Vector256.Load(from + i);
                var b = Vector256.Load(from + i + 32);
                var c = Vector256.Load(from + i + 64);
                var d = Vector256.Load(from + i + 96);
                Avx.StoreAlignedNonTemporal(to + i, a);
                Avx.StoreAlignedNonTemporal(to + i + 32, b);
                Avx.StoreAlignedNonTemporal(to + i + 64, c);
                Avx.StoreAlignedNonTemporal(to + i + 96, d);
            }

            source[i..].CopyTo(destination[i..]);
            // non-temporal stores are weakly ordered: make them visible before whoever waits for this copy reads the buffer
            Sse.StoreFence();
        }
    }
}
