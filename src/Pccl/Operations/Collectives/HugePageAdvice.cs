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
    private const long HugePage = 2 * 1024 * 1024;

    /// <summary>Advises the 2 MiB-aligned interior of <paramref name="pinned"/> (memory that never moves); call before touching it.</summary>
    public static unsafe void Advise(Span<byte> pinned)
    {
        if (!OperatingSystem.IsLinux() || pinned.Length < 2 * HugePage)
        {
            return;
        }

        fixed (byte* first = pinned)
        {
            var start = ((long)first + HugePage - 1) & ~(HugePage - 1);
            var end = ((long)first + pinned.Length) & ~(HugePage - 1);
            if (end > start)
            {
                _ = Madvise((nint)start, (nuint)(end - start), MadviseHugePage);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
