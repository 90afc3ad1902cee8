using Pccl.Operations.Collectives;

namespace Pccl;

/// <summary>
/// Buffers to all-reduce in: zeroed arrays that never move, which Linux backs with transparent huge pages where they
/// are on (<c>/sys/kernel/mm/transparent_hugepage/enabled</c> <c>always</c> or <c>madvise</c>). Huge pages cost one fault
/// per 2 MiB instead of per 4 KiB on first touch, and a killed process's memory is freed that much faster; the kernel
/// closes a killed peer's sockets only after freeing its memory, so its neighbours learn of the failure sooner.
/// Any array works with <see cref="Communicator"/>; this one is the fast choice for large buffers.
/// </summary>
public static class PinnedBuffer
{
    /// <summary>A zeroed, pinned array of <paramref name="length"/> elements, huge-page backed where the system allows.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    /// <remarks>Only the 2 MiB-aligned interior of a buffer of 4 MiB or more is advised; smaller ones are plain pinned arrays.</remarks>
    public static unsafe T[] Allocate<T>(int length) where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var array = GC.AllocateUninitializedArray<T>(length, pinned: true);
        fixed (T* first = array)
        {
            HugePageAdvice.Advise(first, (nuint)length * (nuint)sizeof(T));
        }

        array.AsSpan().Clear(); // the first touch, after the advice, is what takes huge pages
        return array;
    }
}
