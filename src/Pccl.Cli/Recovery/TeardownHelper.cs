using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Pccl.Cli.Processes;

namespace Pccl.Cli.Recovery;

/// <summary>
/// The process <see cref="TeardownFloor"/> kills: it holds one loopback TCP connection and as much resident memory as
/// the victim held, as much of it in huge pages as the victim's was (in a <see cref="PinnedBuffer"/>, as the workers
/// hold their buffers) and the rest touched page by page, and waits to be SIGKILLed.
/// </summary>
internal static class TeardownHelper
{
    private const int Page = 4096;

    public static async Task<int> RunAsync(double rssMb, double hugePageMb, int port, CancellationToken ct)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
        var huge = HoldInHugePages((long)(hugePageMb * 1024 * 1024));
        var missing = (long)((rssMb - ProcMegabytes.Read("/proc/self/status", "VmRSS:")[0]) * 1024 * 1024);
        if (missing > 0)
        {
            Touch(missing);
        }

        Console.Out.WriteLine("ready");
        Console.Out.Flush();
        await Task.Delay(Timeout.Infinite, ct);
        GC.KeepAlive(huge);
        return 0;
    }

    /// <summary>Pinned buffers of at most 1 GiB each (an array's length is an int), together <paramref name="bytes"/> long.</summary>
    private static List<byte[]> HoldInHugePages(long bytes)
    {
        const int Part = 1 << 30;
        var held = new List<byte[]>();
        for (var left = bytes; left > 0; left -= Part)
        {
            held.Add(PinnedBuffer.Allocate<byte>((int)Math.Min(left, Part)));
        }

        return held;
    }

    /// <summary>Native memory, never freed: the kernel frees it when the process is killed, which is what is timed.</summary>
    private static unsafe void Touch(long bytes)
    {
        var memory = (byte*)NativeMemory.Alloc((nuint)bytes);
        for (long i = 0; i < bytes; i += Page)
        {
            memory[i] = 1;
        }
    }
}
