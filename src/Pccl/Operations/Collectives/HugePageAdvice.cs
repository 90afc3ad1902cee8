using System.Runtime.InteropServices;

namespace Pccl.Operations.Collectives;

/// <summary>
/// Asks Linux to back a large pinned buffer with transparent huge pages (<c>madvise(MADV_HUGEPAGE)</c>), which a kernel
/// in the common <c>madvise</c> mode does only for memory that asks. Two reasons: touching it takes one fault per
/// 2 MiB instead of per 4 KiB, and a killed peer's memory is torn down in 2 MiB pages, and the kernel closes a killed
/// process's sockets only after it has freed its memory, so its neighbours read the end of stream that much sooner.
/// Advice only: where huge pages are off or unavailable nothing changes.
/// </summary>
internal static partial class HugePageAdvice
{
    private const int MadviseHugePage = 14;
    private const nuint HugePage = 2 * 1024 * 1024;

    /// <summary>Advises the 2 MiB-aligned interior of <paramref name="pinned"/> (memory that never moves); call before touching it.</summary>
    public static unsafe void Advise(Span<byte> pinned)
    {
        fixed (byte* first = pinned)
        {
            Advise(first, (nuint)pinned.Length);
        }
    }

    /// <summary>Advises the 2 MiB-aligned interior of the <paramref name="bytes"/> at <paramref name="first"/> (memory that never moves); call before touching it.</summary>
    public static unsafe void Advise(void* first, nuint bytes)
    {
        if (!OperatingSystem.IsLinux() || bytes < 2 * HugePage)
        {
            return;
        }

        var start = ((nuint)first + HugePage - 1) & ~(HugePage - 1);
        var end = ((nuint)first + bytes) & ~(HugePage - 1);
        if (end > start)
        {
            _ = Madvise((nint)start, end - start, MadviseHugePage);
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
