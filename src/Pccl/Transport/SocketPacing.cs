using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Pccl.Transport;

/// <summary>
/// A ceiling on the rate one TCP socket sends at (Linux <c>SO_MAX_PACING_RATE</c>): the kernel spaces the socket's
/// packets out to it, by its own TCP pacing where the queueing discipline does not pace. Streams sharing a path each
/// held to their share of it finish together instead of as the path's queue drops their packets, unevenly.
/// </summary>
internal static class SocketPacing
{
    // Linux: SOL_SOCKET / SO_MAX_PACING_RATE, in bytes per second; all ones is no ceiling
    private const int SolSocket = 1;
    private const int SoMaxPacingRate = 47;
    private const long AnyCeiling = 1L << 40;

    /// <summary>Holds <paramref name="socket"/> to <paramref name="bytesPerSecond"/>, or lifts its ceiling when null.</summary>
    /// <returns>Whether the kernel took it; false off Linux and on a closed socket (the socket then sends unpaced).</returns>
    public static bool Set(Socket socket, long? bytesPerSecond)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        Span<byte> value = stackalloc byte[sizeof(ulong)];
        MemoryMarshal.Write(value, bytesPerSecond is { } rate ? (ulong)Math.Max(rate, 1) : ulong.MaxValue);
        try
        {
            socket.SetRawSocketOption(SolSocket, SoMaxPacingRate, value);
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Turns on the kernel's TCP pacing, with no ceiling, for a connection to another host: the socket then spreads each
    /// window over the round trip instead of sending it as a burst. Without it, a loss-based congestion control (CUBIC,
    /// Linux' default) over a long path fills the bottleneck's buffer with the bursts of several striped connections
    /// and backs off at the drops; BBR paces anyway. Connections within this host stay as they are: nothing queues
    /// between them.
    /// </summary>
    /// <returns>Whether the socket is now paced.</returns>
    public static bool PaceIfLeavingHost(Socket socket, IPEndPoint? remote)
    {
        if (remote is null || TcpPath.IsThisHost(socket, remote.Address))
        {
            return false;
        }

        // the kernel starts pacing a socket at its first ceiling and goes on pacing, at the congestion control's rate,
        // once the ceiling is lifted
        return Set(socket, AnyCeiling) && Set(socket, null);
    }

    /// <summary>The ceiling the kernel holds <paramref name="socket"/> to, in bytes per second; null when none (or off Linux).</summary>
    public static long? Get(Socket socket)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        Span<byte> value = stackalloc byte[sizeof(ulong)];
        try
        {
            var length = socket.GetRawSocketOption(SolSocket, SoMaxPacingRate, value);
            var rate = length >= sizeof(ulong) ? MemoryMarshal.Read<ulong>(value) : MemoryMarshal.Read<uint>(value);
            return rate is ulong.MaxValue or uint.MaxValue ? null : (long)rate;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return null;
        }
    }
}
