using System.Runtime.InteropServices;

namespace Pccl.Cli.Wan;

/// <summary>The libc calls the WAN emulator needs: file descriptors of TUN devices, their ioctl, and entering a network namespace.</summary>
internal static unsafe partial class LinuxNative
{
    public const int OpenReadWrite = 2;
    public const int OpenReadOnly = 0;
    public const int NewNetworkNamespace = 0x40000000;

    /// <summary>TUNSETIFF: attach the descriptor to a TUN device (created when missing) in the calling thread's namespace.</summary>
    public const uint TunSetInterface = 0x400454ca;

    /// <summary>IFF_TUN | IFF_NO_PI: layer-3 packets, no packet-information prefix.</summary>
    public const short TunNoPacketInfo = 0x0001 | 0x1000;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, byte* argument);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    public static partial int SetNamespace(int fd, int type);

    [LibraryImport("libc", EntryPoint = "nanosleep", SetLastError = true)]
    private static partial int NanoSleep(long* request, long* remaining);

    /// <summary>Sleeps with the kernel's high-resolution timers (a monitor wait rounds to whole milliseconds).</summary>
    public static void Sleep(TimeSpan duration)
    {
        // struct timespec { time_t tv_sec; long tv_nsec; }
        var request = stackalloc long[2];
        request[0] = duration.Ticks / TimeSpan.TicksPerSecond;
        request[1] = duration.Ticks % TimeSpan.TicksPerSecond * 100;
        NanoSleep(request, null);
    }

    /// <summary>The last call's errno as text, for an error message.</summary>
    public static string LastError() => Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
}
