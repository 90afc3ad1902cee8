using System.Runtime.InteropServices;

namespace Pccl.Hosting.Processes;

/// <summary>Sends POSIX signals to processes (SIGTERM, SIGSTOP, SIGCONT) for drivers and tests that play failures.</summary>
public static partial class PosixSignals
{
    /// <summary>Graceful stop.</summary>
    public const int Term = 15;

    /// <summary>Hard kill.</summary>
    public const int Kill = 9;

    /// <summary>Freeze: the process keeps its sockets open but does nothing (a hung peer).</summary>
    public const int Stop = 19;

    /// <summary>Resume a stopped process.</summary>
    public const int Continue = 18;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false when the process is gone.</summary>
    public static bool Send(int pid, int signal) => NativeKill(pid, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int NativeKill(int pid, int signal);
}
